-- Visit totals per hour and per UTC day, overall (dimension '') and by each dimension of a visit,
-- written by the visits job whenever it recomputes a UTC day: the unfiltered overview, visit time
-- series and the breakdowns by entry page, exit page, source, referrer and UTM tags read these few
-- rows instead of every visit (whole UTC days from the daily table, the hours at either end of a
-- range from the hourly one, as with the daily twins of sql/041). Rows are read with FINAL: the
-- newest version of a key counts. A recomputed day first gets a zero row for each key it had, then
-- its totals under a higher version, so a value that is gone (the old exit page of a visit that went
-- on) counts 0.
CREATE TABLE IF NOT EXISTS tellen.rollup_visit_totals
(
    site        LowCardinality(String),
    hour        DateTime('UTC'),
    dimension   LowCardinality(String),
    value       String,
    visits      UInt64,
    bounces     UInt64,
    pageviews   UInt64,
    duration_ms Int64,
    visitors    AggregateFunction(uniqCombined(12), UInt64),
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(hour)
ORDER BY (site, dimension, value, hour)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

-- Filled once from the visits there are.
INSERT INTO tellen.rollup_visit_totals
SELECT site, hour, dv.1 AS dimension, dv.2 AS value, count(), countIf(pageviews = 1 AND customs = 0),
       sum(pageviews), sum(dateDiff('millisecond', start, end)), uniqCombinedState(12)(visitor),
       toUInt64(toUnixTimestamp64Milli(now64(3))) AS version
FROM tellen.rollup_visits FINAL
ARRAY JOIN [('', ''), ('entry_page', entry_page), ('exit_page', exit_page), ('source', toString(source)), ('referrer', referrer_host),
            ('utm_source', toString(utm_source)), ('utm_medium', toString(utm_medium)), ('utm_campaign', utm_campaign)] AS dv
WHERE (SELECT count() FROM tellen.rollup_visit_totals) = 0
GROUP BY site, hour, dimension, value;

CREATE TABLE IF NOT EXISTS tellen.rollup_visit_totals_daily
(
    site        LowCardinality(String),
    day         Date,
    dimension   LowCardinality(String),
    value       String,
    visits      UInt64,
    bounces     UInt64,
    pageviews   UInt64,
    duration_ms Int64,
    visitors    AggregateFunction(uniqCombined(12), UInt64),
    version     UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(day)
ORDER BY (site, dimension, value, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_visit_totals_daily
SELECT site, toDate(hour, 'UTC') AS day, dimension, value, sum(visits), sum(bounces), sum(pageviews), sum(duration_ms),
       uniqCombinedMergeState(12)(visitors), max(version)
FROM tellen.rollup_visit_totals
WHERE (SELECT count() FROM tellen.rollup_visit_totals_daily) = 0
GROUP BY site, day, dimension, value;

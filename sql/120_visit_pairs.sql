-- Visit totals per UTC day by each pair of visit dimensions (and by each one alone, and overall), so
-- that visits, bounces, duration, pageviews and visitors under visit filters are still answered once
-- the visits themselves are gone: the per-visit tables rollup_visits and rollup_visit_pageviews are
-- kept only as long as the events (applyRetention). A row names two dimensions in name order
-- (dimension_a < dimension_b; '' for a single dimension in dimension_a, '' in both for all visits)
-- and their values; `page` and `event` take every page a visit viewed and every custom event it holds.
-- `pageviews` counts the pageviews a filter on the row's values keeps: those of the page with a `page`
-- dimension, else all of the visits' pageviews (`visit_pageviews`). Written by the visits job for each
-- UTC day it recomputes, like the visit totals of sql/042 (a zero row for every key of the day, then
-- the new rows under a higher version; readers use FINAL and skip rows without visits).
CREATE TABLE IF NOT EXISTS tellen.rollup_visit_pairs_daily
(
    site            LowCardinality(String),
    day             Date,
    dimension_a     LowCardinality(String),
    value_a         String,
    dimension_b     LowCardinality(String),
    value_b         String,
    visits          UInt64,
    bounces         UInt64,
    visit_pageviews UInt64,
    duration_ms     Int64,
    pageviews       UInt64,
    visitors        AggregateFunction(uniqCombined(12), UInt64),
    version         UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(day)
ORDER BY (site, dimension_a, dimension_b, value_a, value_b, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

-- Filled once from the visits there are, before the collector shortens their TTL to the event
-- retention. The pageviews of each page of a visit come from the events still kept; a page of a visit
-- older than those counts no pageviews of its own (such answers read the events before, and covered
-- only their days).
INSERT INTO tellen.rollup_visit_pairs_daily
SELECT site, day, a.1, a.2, b.1, b.2, count(), countIf(bounce), sum(visit_pageviews), sum(duration_ms),
       sum(if(a.1 = 'page', a.3, if(b.1 = 'page', b.3, visit_pageviews))), uniqCombinedState(12)(visitor),
       toUInt64(toUnixTimestamp64Milli(now64(3)))
FROM
(
    SELECT *, arrayJoin(items) AS a
    FROM
    (
        SELECT v.site AS site, toDate(v.hour, 'UTC') AS day, v.visitor AS visitor, toUInt64(v.pageviews) AS visit_pageviews,
               v.pageviews = 1 AND v.customs = 0 AS bounce, dateDiff('millisecond', v.start, v.end) AS duration_ms,
               arrayConcat(
                   [('', '', toUInt64(0)), ('entry_page', v.entry_page, 0), ('exit_page', v.exit_page, 0), ('source', toString(v.source), 0),
                    ('referrer', v.referrer_host, 0), ('utm_source', toString(v.utm_source), 0), ('utm_medium', toString(v.utm_medium), 0),
                    ('utm_campaign', v.utm_campaign, 0), ('country', toString(v.country), 0), ('browser', toString(v.browser), 0),
                    ('browser_version', toString(v.browser_version), 0), ('os', toString(v.os), 0), ('os_version', toString(v.os_version), 0),
                    ('device', toString(v.device), 0), ('screen', toString(v.screen), 0), ('timezone', toString(v.timezone), 0),
                    ('language', toString(v.language), 0)],
                   arrayMap(p -> ('page', p, toUInt64(arrayFirst(c -> c.1 = p, pc.counts).2)), v.pages),
                   arrayMap(e -> ('event', e, toUInt64(0)), v.events)) AS items
        FROM (SELECT * FROM tellen.rollup_visits FINAL WHERE rollup_visits.pageviews > 0) AS v
        LEFT JOIN
        (
            SELECT site, visitor, start, groupArray((path, n)) AS counts
            FROM
            (
                SELECT w.site AS site, w.visitor AS visitor, w.start AS start, e.path AS path, toUInt64(count()) AS n
                FROM (SELECT site, visitor, ts, path FROM tellen.events WHERE type = 'pageview') AS e
                ASOF JOIN (SELECT site, visitor, start FROM tellen.rollup_visits FINAL WHERE rollup_visits.pageviews > 0) AS w
                ON e.site = w.site AND e.visitor = w.visitor AND e.ts >= w.start
                GROUP BY site, visitor, start, path
            )
            GROUP BY site, visitor, start
        ) AS pc ON pc.site = v.site AND pc.visitor = v.visitor AND pc.start = v.start
    )
)
ARRAY JOIN items AS b
WHERE (a.1 < b.1 OR (a.1 = '' AND b.1 = '')) AND (SELECT count() FROM tellen.rollup_visit_pairs_daily) = 0
GROUP BY site, day, a.1, a.2, b.1, b.2;

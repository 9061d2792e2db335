-- The pageviews of each visit per hour they fall in, with the visit's dimensions, written by the visits
-- job for each UTC day it recomputes (like the visit totals of migration 042: a zero row for every key
-- of the recomputed visitors' day, then the new rows under a higher version; readers use FINAL and skip
-- rows without pageviews). Pageviews and visitors filtered by a dimension of a visit read these rows,
-- so a visit that runs into the next hour, or past a site's local midnight, counts each pageview in its
-- own hour and day instead of the hour the visit started. One row per visit and hour it touched (most
-- visits touch one hour): any combination of visit, place and technology filters can be answered, which
-- totals per dimension and value could not. Visitors are counted from the rows with uniqCombined(12),
-- the function the visitor states of the other rollups merge.
CREATE TABLE IF NOT EXISTS tellen.rollup_visit_pageviews
(
    site            LowCardinality(String),
    hour            DateTime('UTC'),
    visitor         UInt64,
    start           DateTime64(3, 'UTC'),
    pageviews       UInt32,
    entry_page      String,
    exit_page       String,
    events          Array(String),
    source          LowCardinality(String),
    referrer_host   String,
    utm_source      LowCardinality(String),
    utm_medium      LowCardinality(String),
    utm_campaign    String,
    country         LowCardinality(String),
    browser         LowCardinality(String),
    browser_version LowCardinality(String),
    os              LowCardinality(String),
    os_version      LowCardinality(String),
    device          LowCardinality(String),
    screen          LowCardinality(String),
    timezone        LowCardinality(String),
    language        LowCardinality(String),
    version         UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, visitor, start)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Filled once from the visits there are. The job's first pass recomputes the days whose events it still
-- holds (two days after insert); older visits keep every pageview in the hour they started, as before.
INSERT INTO tellen.rollup_visit_pageviews
SELECT site, hour, visitor, start, pageviews, entry_page, exit_page, events, source, referrer_host, utm_source, utm_medium,
       utm_campaign, country, browser, browser_version, os, os_version, device, screen, timezone, language, version
FROM tellen.rollup_visits FINAL
WHERE rollup_visits.pageviews > 0 AND (SELECT count() FROM tellen.rollup_visit_pageviews) = 0;

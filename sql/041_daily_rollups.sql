-- Daily twins of the hourly rollups: the same columns and aggregates per UTC day. A question over a
-- range of days reads the whole UTC days of the range from these and only the hours at either end
-- (where the site's time zone cuts a UTC day) from the hourly tables: a 30-day answer merges 30
-- states per key instead of 720. Each daily table is fed by a view on its hourly table (so it reads
-- the blocks the hourly views insert, already aggregated) and is filled once here from the hourly rows.
--
-- Rows are sorted by their keys before the day, in granules of 256 rows: an answer that shows one
-- page of keys (the top exits, errors, calls, custom events) reads and merges the states of those
-- keys only, and a page filter reads that page's rows only. The month partitions bound the days read.

-- rollup_site_daily ---------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_site_daily
(
    site      LowCardinality(String),
    day       Date,
    pageviews SimpleAggregateFunction(sum, UInt64),
    visitors  AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_site_daily
SELECT site, toDate(hour, 'UTC') AS day, sum(pageviews) AS pageviews, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_site
WHERE (SELECT count() FROM tellen.rollup_site_daily) = 0
GROUP BY site, day;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_site_daily_mv TO tellen.rollup_site_daily AS
SELECT site, toDate(hour, 'UTC') AS day, sum(pageviews) AS pageviews, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_site
GROUP BY site, day;

-- rollup_pages_daily --------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_pages_daily
(
    site      LowCardinality(String),
    day       Date,
    path      String,
    pageviews SimpleAggregateFunction(sum, UInt64),
    visitors  AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, path, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_pages_daily
SELECT site, toDate(hour, 'UTC') AS day, path, sum(pageviews) AS pageviews, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_pages
WHERE (SELECT count() FROM tellen.rollup_pages_daily) = 0
GROUP BY site, day, path;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_pages_daily_mv TO tellen.rollup_pages_daily AS
SELECT site, toDate(hour, 'UTC') AS day, path, sum(pageviews) AS pageviews, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_pages
GROUP BY site, day, path;

-- rollup_technology_daily ---------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_technology_daily
(
    site            LowCardinality(String),
    day             Date,
    browser         LowCardinality(String),
    browser_version LowCardinality(String),
    os              LowCardinality(String),
    os_version      LowCardinality(String),
    device          LowCardinality(String),
    screen          LowCardinality(String),
    pageviews       SimpleAggregateFunction(sum, UInt64),
    visitors        AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, browser, browser_version, os, os_version, device, screen, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_technology_daily
SELECT site, toDate(hour, 'UTC') AS day, browser, browser_version, os, os_version, device, screen, sum(pageviews) AS pageviews, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_technology
WHERE (SELECT count() FROM tellen.rollup_technology_daily) = 0
GROUP BY site, day, browser, browser_version, os, os_version, device, screen;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_technology_daily_mv TO tellen.rollup_technology_daily AS
SELECT site, toDate(hour, 'UTC') AS day, browser, browser_version, os, os_version, device, screen, sum(pageviews) AS pageviews, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_technology
GROUP BY site, day, browser, browser_version, os, os_version, device, screen;

-- rollup_locations_daily ----------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_locations_daily
(
    site      LowCardinality(String),
    day       Date,
    country   LowCardinality(String),
    timezone  LowCardinality(String),
    language  LowCardinality(String),
    pageviews SimpleAggregateFunction(sum, UInt64),
    visitors  AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, country, timezone, language, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_locations_daily
SELECT site, toDate(hour, 'UTC') AS day, country, timezone, language, sum(pageviews) AS pageviews, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_locations
WHERE (SELECT count() FROM tellen.rollup_locations_daily) = 0
GROUP BY site, day, country, timezone, language;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_locations_daily_mv TO tellen.rollup_locations_daily AS
SELECT site, toDate(hour, 'UTC') AS day, country, timezone, language, sum(pageviews) AS pageviews, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_locations
GROUP BY site, day, country, timezone, language;

-- rollup_timings_daily ------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_timings_daily
(
    site              LowCardinality(String),
    day               Date,
    path              String,
    metric            LowCardinality(String),
    samples           SimpleAggregateFunction(sum, UInt64),
    good              SimpleAggregateFunction(sum, UInt64),
    needs_improvement SimpleAggregateFunction(sum, UInt64),
    poor              SimpleAggregateFunction(sum, UInt64),
    quantiles         AggregateFunction(quantilesTDigest(0.5, 0.75, 0.95), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, path, metric, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_timings_daily
SELECT site, toDate(hour, 'UTC') AS day, path, metric, sum(samples) AS samples, sum(good) AS good, sum(needs_improvement) AS needs_improvement, sum(poor) AS poor, quantilesTDigestMergeState(0.5, 0.75, 0.95)(quantiles) AS quantiles
FROM tellen.rollup_timings
WHERE (SELECT count() FROM tellen.rollup_timings_daily) = 0
GROUP BY site, day, path, metric;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_timings_daily_mv TO tellen.rollup_timings_daily AS
SELECT site, toDate(hour, 'UTC') AS day, path, metric, sum(samples) AS samples, sum(good) AS good, sum(needs_improvement) AS needs_improvement, sum(poor) AS poor, quantilesTDigestMergeState(0.5, 0.75, 0.95)(quantiles) AS quantiles
FROM tellen.rollup_timings
GROUP BY site, day, path, metric;

-- rollup_timings_site_daily -------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_timings_site_daily
(
    site              LowCardinality(String),
    day               Date,
    metric            LowCardinality(String),
    samples           SimpleAggregateFunction(sum, UInt64),
    good              SimpleAggregateFunction(sum, UInt64),
    needs_improvement SimpleAggregateFunction(sum, UInt64),
    poor              SimpleAggregateFunction(sum, UInt64),
    quantiles         AggregateFunction(quantilesTDigest(0.5, 0.75, 0.95), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, metric, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_timings_site_daily
SELECT site, toDate(hour, 'UTC') AS day, metric, sum(samples) AS samples, sum(good) AS good, sum(needs_improvement) AS needs_improvement, sum(poor) AS poor, quantilesTDigestMergeState(0.5, 0.75, 0.95)(quantiles) AS quantiles
FROM tellen.rollup_timings_site
WHERE (SELECT count() FROM tellen.rollup_timings_site_daily) = 0
GROUP BY site, day, metric;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_timings_site_daily_mv TO tellen.rollup_timings_site_daily AS
SELECT site, toDate(hour, 'UTC') AS day, metric, sum(samples) AS samples, sum(good) AS good, sum(needs_improvement) AS needs_improvement, sum(poor) AS poor, quantilesTDigestMergeState(0.5, 0.75, 0.95)(quantiles) AS quantiles
FROM tellen.rollup_timings_site
GROUP BY site, day, metric;

-- rollup_errors_daily -------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_errors_daily
(
    site     LowCardinality(String),
    day      Date,
    path     String,
    kind     LowCardinality(String),
    resource String,
    count    SimpleAggregateFunction(sum, UInt64),
    visitors AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, path, kind, resource, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_errors_daily
SELECT site, toDate(hour, 'UTC') AS day, path, kind, resource, sum(count) AS count, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_errors
WHERE (SELECT count() FROM tellen.rollup_errors_daily) = 0
GROUP BY site, day, path, kind, resource;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_errors_daily_mv TO tellen.rollup_errors_daily AS
SELECT site, toDate(hour, 'UTC') AS day, path, kind, resource, sum(count) AS count, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_errors
GROUP BY site, day, path, kind, resource;

-- rollup_scroll_daily -------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_scroll_daily
(
    site  LowCardinality(String),
    day   Date,
    path  String,
    depth UInt8,
    views SimpleAggregateFunction(sum, UInt64),
    moves AggregateFunction(sumForEach, Array(UInt32))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, path, depth, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_scroll_daily
SELECT site, toDate(hour, 'UTC') AS day, path, depth, sum(views) AS views, sumForEachMergeState(moves) AS moves
FROM tellen.rollup_scroll
WHERE (SELECT count() FROM tellen.rollup_scroll_daily) = 0
GROUP BY site, day, path, depth;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_scroll_daily_mv TO tellen.rollup_scroll_daily AS
SELECT site, toDate(hour, 'UTC') AS day, path, depth, sum(views) AS views, sumForEachMergeState(moves) AS moves
FROM tellen.rollup_scroll
GROUP BY site, day, path, depth;

-- rollup_clicks_daily -------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_clicks_daily
(
    site    LowCardinality(String),
    day     Date,
    path    String,
    cell_x  UInt8,
    cell_y  UInt8,
    element String,
    clicks  SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, path, cell_x, cell_y, element, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_clicks_daily
SELECT site, toDate(hour, 'UTC') AS day, path, cell_x, cell_y, element, sum(clicks) AS clicks
FROM tellen.rollup_clicks
WHERE (SELECT count() FROM tellen.rollup_clicks_daily) = 0
GROUP BY site, day, path, cell_x, cell_y, element;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_clicks_daily_mv TO tellen.rollup_clicks_daily AS
SELECT site, toDate(hour, 'UTC') AS day, path, cell_x, cell_y, element, sum(clicks) AS clicks
FROM tellen.rollup_clicks
GROUP BY site, day, path, cell_x, cell_y, element;

-- rollup_leaving_daily ------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_leaving_daily
(
    site       LowCardinality(String),
    day        Date,
    path       String,
    kind       LowCardinality(String),
    target     String,
    leaves     SimpleAggregateFunction(sum, UInt64),
    engaged_ms SimpleAggregateFunction(sum, Float64),
    visitors   AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, path, kind, target, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_leaving_daily
SELECT site, toDate(hour, 'UTC') AS day, path, kind, target, sum(leaves) AS leaves, sum(engaged_ms) AS engaged_ms, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_leaving
WHERE (SELECT count() FROM tellen.rollup_leaving_daily) = 0
GROUP BY site, day, path, kind, target;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_leaving_daily_mv TO tellen.rollup_leaving_daily AS
SELECT site, toDate(hour, 'UTC') AS day, path, kind, target, sum(leaves) AS leaves, sum(engaged_ms) AS engaged_ms, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_leaving
GROUP BY site, day, path, kind, target;

-- rollup_calls_daily --------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_calls_daily
(
    site     LowCardinality(String),
    day      Date,
    path     String,
    number   String,
    calls    SimpleAggregateFunction(sum, UInt64),
    visitors AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, path, number, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_calls_daily
SELECT site, toDate(hour, 'UTC') AS day, path, number, sum(calls) AS calls, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_calls
WHERE (SELECT count() FROM tellen.rollup_calls_daily) = 0
GROUP BY site, day, path, number;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_calls_daily_mv TO tellen.rollup_calls_daily AS
SELECT site, toDate(hour, 'UTC') AS day, path, number, sum(calls) AS calls, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_calls
GROUP BY site, day, path, number;

-- rollup_custom_daily -------------------------------------------------------------------------
CREATE TABLE IF NOT EXISTS tellen.rollup_custom_daily
(
    site     LowCardinality(String),
    day      Date,
    name     LowCardinality(String),
    prop     String,
    value    String,
    events   SimpleAggregateFunction(sum, UInt64),
    visitors AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(day)
ORDER BY (site, name, prop, value, day)
TTL day + INTERVAL 760 DAY
SETTINGS index_granularity = 256, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_custom_daily
SELECT site, toDate(hour, 'UTC') AS day, name, prop, value, sum(events) AS events, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_custom
WHERE (SELECT count() FROM tellen.rollup_custom_daily) = 0
GROUP BY site, day, name, prop, value;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_custom_daily_mv TO tellen.rollup_custom_daily AS
SELECT site, toDate(hour, 'UTC') AS day, name, prop, value, sum(events) AS events, uniqCombinedMergeState(12)(visitors) AS visitors
FROM tellen.rollup_custom
GROUP BY site, day, name, prop, value;

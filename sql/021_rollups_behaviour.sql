-- Timing quantile states per page and metric, with counts rated by the Web Vitals thresholds.
CREATE TABLE IF NOT EXISTS tellen.rollup_timings
(
    site      LowCardinality(String),
    hour      DateTime('UTC'),
    path      String,
    metric    LowCardinality(String),
    samples   SimpleAggregateFunction(sum, UInt64),
    good      SimpleAggregateFunction(sum, UInt64),
    needs_improvement SimpleAggregateFunction(sum, UInt64),
    poor      SimpleAggregateFunction(sum, UInt64),
    quantiles AggregateFunction(quantilesTDigest(0.5, 0.75, 0.95), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path, metric)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_timings; thresholds (good up to, poor above): LCP 2500/4000, INP 200/500, CLS 0.1/0.25, FCP 1800/3000, TTFB 800/1800.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_timings_mv TO tellen.rollup_timings AS
SELECT site, toStartOfHour(ts) AS hour, path, name AS metric, count() AS samples,
       countIf(rating = 1) AS good, countIf(rating = 2) AS needs_improvement, countIf(rating = 3) AS poor,
       quantilesTDigestState(0.5, 0.75, 0.95)(value) AS quantiles
FROM
(
    SELECT site, ts, path, name, value,
           multiIf(name = 'lcp', multiIf(value <= 2500, 1, value <= 4000, 2, 3),
                   name = 'inp', multiIf(value <= 200, 1, value <= 500, 2, 3),
                   name = 'cls', multiIf(value <= 0.1, 1, value <= 0.25, 2, 3),
                   name = 'fcp', multiIf(value <= 1800, 1, value <= 3000, 2, 3),
                   name = 'ttfb', multiIf(value <= 800, 1, value <= 1800, 2, 3),
                   0) AS rating
    FROM tellen.events_in
    WHERE type = 'timing'
)
GROUP BY site, hour, path, metric;

-- Failed resource loads by page, kind and resource, and started downloads (kind "download").
CREATE TABLE IF NOT EXISTS tellen.rollup_errors
(
    site     LowCardinality(String),
    hour     DateTime('UTC'),
    path     String,
    kind     LowCardinality(String),
    resource String,
    count    SimpleAggregateFunction(sum, UInt64),
    visitors AggregateFunction(uniq, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path, kind, resource)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_errors from error and download events.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_errors_mv TO tellen.rollup_errors AS
SELECT site, toStartOfHour(ts) AS hour, path, if(type = 'download', 'download', name) AS kind, target AS resource,
       count() AS count, uniqState(visitor) AS visitors
FROM tellen.events_in
WHERE type IN ('error', 'download')
GROUP BY site, hour, path, kind, resource;

-- Maximum scroll depth per page view, in buckets of 10 percent, and summed mouse-movement grids per page.
CREATE TABLE IF NOT EXISTS tellen.rollup_scroll
(
    site   LowCardinality(String),
    hour   DateTime('UTC'),
    path   String,
    depth  UInt8,
    views  SimpleAggregateFunction(sum, UInt64),
    moves  AggregateFunction(sumForEach, Array(UInt32))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path, depth)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_scroll from leave events (they carry the page view's scroll depth and movement grid).
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_scroll_mv TO tellen.rollup_scroll AS
SELECT site, toStartOfHour(ts) AS hour, path, intDiv(scroll, 10) * 10 AS depth, count() AS views,
       sumForEachState(if(length(grid) = 100, grid, arrayResize(CAST([], 'Array(UInt32)'), 100, toUInt32(0)))) AS moves
FROM tellen.events_in
WHERE type = 'leave'
GROUP BY site, hour, path, depth;

-- Clicks by page, grid cell and element descriptor: the click grid and the top clicked elements.
CREATE TABLE IF NOT EXISTS tellen.rollup_clicks
(
    site    LowCardinality(String),
    hour    DateTime('UTC'),
    path    String,
    cell_x  UInt8,
    cell_y  UInt8,
    element String,
    clicks  SimpleAggregateFunction(sum, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path, cell_x, cell_y, element)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_clicks from click events.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_clicks_mv TO tellen.rollup_clicks AS
SELECT site, toStartOfHour(ts) AS hour, path, cell_x, cell_y, target AS element, count() AS clicks
FROM tellen.events_in
WHERE type = 'click'
GROUP BY site, hour, path, cell_x, cell_y, element;

-- How visitors left each page: exit kind, outbound host or followed link, and engaged time.
CREATE TABLE IF NOT EXISTS tellen.rollup_leaving
(
    site       LowCardinality(String),
    hour       DateTime('UTC'),
    path       String,
    kind       LowCardinality(String),
    target     String,
    leaves     SimpleAggregateFunction(sum, UInt64),
    engaged_ms SimpleAggregateFunction(sum, Float64),
    visitors   AggregateFunction(uniq, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path, kind, target)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_leaving from leave events.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_leaving_mv TO tellen.rollup_leaving AS
SELECT site, toStartOfHour(ts) AS hour, path, name AS kind, target, count() AS leaves, sum(value) AS engaged_ms,
       uniqState(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'leave'
GROUP BY site, hour, path, kind, target;

-- Clicks on tel: links by page and number.
CREATE TABLE IF NOT EXISTS tellen.rollup_calls
(
    site     LowCardinality(String),
    hour     DateTime('UTC'),
    path     String,
    number   String,
    calls    SimpleAggregateFunction(sum, UInt64),
    visitors AggregateFunction(uniq, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path, number)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_calls from call events.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_calls_mv TO tellen.rollup_calls AS
SELECT site, toStartOfHour(ts) AS hour, path, target AS number, count() AS calls, uniqState(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'call'
GROUP BY site, hour, path, number;

-- Custom events by name, and by each property and value (prop '' is the event itself).
CREATE TABLE IF NOT EXISTS tellen.rollup_custom
(
    site     LowCardinality(String),
    hour     DateTime('UTC'),
    name     LowCardinality(String),
    prop     String,
    value    String,
    events   SimpleAggregateFunction(sum, UInt64),
    visitors AggregateFunction(uniq, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, name, prop, value)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_custom: one row for the event and one per property.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_custom_mv TO tellen.rollup_custom AS
SELECT site, toStartOfHour(ts) AS hour, name, prop, value, count() AS events, uniqState(visitor) AS visitors
FROM tellen.events_in
ARRAY JOIN arrayConcat([''], mapKeys(props)) AS prop, arrayConcat([''], mapValues(props)) AS value
WHERE type = 'custom'
GROUP BY site, hour, name, prop, value;

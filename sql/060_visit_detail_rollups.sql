-- Timings, scroll depths, movement and click grids and clicked elements by a dimension of the visit
-- they belong to (source, referrer, UTM tags, entry or exit page), so that vitals and interactions
-- filtered by one of those answer from aggregates. Which visit an event belongs to is only known once
-- the visits job has cut the day, so the job writes these rollups, like the visit totals of
-- migration 042: for each UTC day it recomputes, a zero row for every key the day had, then the new
-- rows under a higher version; readers use FINAL. One (dimension, value) is a narrow range of each
-- table, so hourly rows serve every range without daily twins.

-- What the job needs of the timing, leave and click events, kept two days after insert as
-- visit_events is (whatever the event retention).
CREATE TABLE IF NOT EXISTS tellen.visit_details
(
    site     LowCardinality(String),
    visitor  UInt64,
    ts       DateTime64(3, 'UTC'),
    type     LowCardinality(String),
    name     LowCardinality(String),
    value    Float64,
    scroll   UInt8,
    cell_x   UInt8,
    cell_y   UInt8,
    target   String,
    grid     Array(UInt32),
    inserted DateTime('UTC')
)
ENGINE = MergeTree
PARTITION BY toDate(inserted)
ORDER BY (site, toDate(ts), visitor, ts)
TTL inserted + INTERVAL 2 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- The kept events' details, so the job's first pass fills the rollups for every day they cover (the
-- job recomputes the days found in visit_events or visit_details).
INSERT INTO tellen.visit_details
SELECT site, visitor, ts, type, name, value, scroll, cell_x, cell_y, if(type = 'click', target, ''),
       if(type = 'leave', grid, CAST([], 'Array(UInt32)')), now()
FROM tellen.events
WHERE type IN ('timing', 'leave', 'click') AND (SELECT count() FROM tellen.visit_details) = 0;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.visit_details_mv TO tellen.visit_details AS
SELECT site, visitor, ts, type, name, value, scroll, cell_x, cell_y, if(type = 'click', target, '') AS target,
       if(type = 'leave', grid, CAST([], 'Array(UInt32)')) AS grid, now() AS inserted
FROM tellen.events_in
WHERE type IN ('timing', 'leave', 'click');

-- Timing samples per hour, visit dimension and value, and metric, rated as in rollup_timings.
CREATE TABLE IF NOT EXISTS tellen.rollup_visit_timings
(
    site              LowCardinality(String),
    hour              DateTime('UTC'),
    dimension         LowCardinality(String),
    value             String,
    metric            LowCardinality(String),
    samples           UInt64,
    good              UInt64,
    needs_improvement UInt64,
    poor              UInt64,
    -- About 1 KB per digest; ZSTD keeps 38 % of that where the default LZ4 kept 60 %.
    quantiles         AggregateFunction(quantilesTDigest(0.5, 0.75, 0.95), Float64) CODEC(ZSTD(3)),
    version           UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(hour)
ORDER BY (site, dimension, value, hour, metric)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

-- Per hour, visit dimension and value: page views by scroll depth (cell i counts depths i * 10 to
-- i * 10 + 9, 100 in cell 10), and the movement and click grids (row-major cells).
CREATE TABLE IF NOT EXISTS tellen.rollup_visit_interactions
(
    site      LowCardinality(String),
    hour      DateTime('UTC'),
    dimension LowCardinality(String),
    value     String,
    depths    Array(UInt64),
    moves     Array(UInt64),
    clicks    Array(UInt64),
    version   UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(hour)
ORDER BY (site, dimension, value, hour)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

-- Clicks per hour, visit dimension and value, and clicked element.
CREATE TABLE IF NOT EXISTS tellen.rollup_visit_elements
(
    site      LowCardinality(String),
    hour      DateTime('UTC'),
    dimension LowCardinality(String),
    value     String,
    element   String,
    clicks    UInt64,
    version   UInt64
)
ENGINE = ReplacingMergeTree(version)
PARTITION BY toYYYYMM(hour)
ORDER BY (site, dimension, value, hour, element)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

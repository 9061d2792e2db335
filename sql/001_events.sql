-- Every accepted event is inserted here. A Null table keeps nothing: it only feeds the materialized
-- views below (the stored events and every rollup), so retention 0 is simply "no view into events".
CREATE TABLE IF NOT EXISTS tellen.events_in
(
    site           LowCardinality(String),
    type           LowCardinality(String),
    ts             DateTime64(3, 'UTC'),
    visitor        UInt64,
    hostname       LowCardinality(String),
    path           String,
    query          String,
    referrer_host  String,
    source         LowCardinality(String),
    utm_source     LowCardinality(String),
    utm_medium     LowCardinality(String),
    utm_campaign   String,
    utm_term       String,
    utm_content    String,
    browser        LowCardinality(String),
    browser_version LowCardinality(String),
    os             LowCardinality(String),
    os_version     LowCardinality(String),
    device         LowCardinality(String),
    screen         LowCardinality(String),
    timezone       LowCardinality(String),
    language       LowCardinality(String),
    country        LowCardinality(String),
    ip_prefix      String,
    name           LowCardinality(String),
    value          Float64,
    target         String,
    scroll         UInt8,
    cell_x         UInt8,
    cell_y         UInt8,
    grid           Array(UInt32),
    props          Map(String, String)
)
ENGINE = Null;

-- Anonymised events, kept for the event retention (TTL, default 30 days) so filtered questions and
-- visits can be answered from detail; dashboards read the rollups.
CREATE TABLE IF NOT EXISTS tellen.events AS tellen.events_in
ENGINE = MergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (site, type, ts)
TTL toDateTime(ts) + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Copies accepted events into tellen.events.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.events_store_mv TO tellen.events AS
SELECT * FROM tellen.events_in;

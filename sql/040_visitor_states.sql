-- Unique-visitor states become uniqCombined(12): exact up to a few thousand visitors, then a
-- HyperLogLog of 4,096 cells (about 1.6 % standard error), a few kilobytes at most, where a uniq state
-- holds up to 65,536 hashes. A 30-day answer merges up to page x hour states; at 100 million events
-- the page breakdown's merge went from about 200 to 60 ms.
--
-- A uniq state cannot be turned into another function's state, so each rollup is rebuilt:
--   1. its view stops (migrations run before the collector accepts events, so none is missed);
--   2. a new table takes every row of the old one with its sums and an empty visitor state;
--   3. visitor states are rebuilt from the anonymised events still kept (the event retention,
--      30 days by default), as rows with sums of 0 that merge into the same keys;
--   4. the new table replaces the old one and the view is created again on it.
-- The new tables have granules of 1,024 rows instead of 8,192: a range in a time zone that cuts a UTC
-- day reads the hours at its ends from here (sql/041), and only their states are then read.
-- Sums (pageviews, counts, leaves, calls, events) are carried over whole; visitor counts of hours
-- older than the oldest kept event are not (they were only in the old states).

-- rollup_site ------------------------------------------------------------------------------------
DROP VIEW IF EXISTS tellen.rollup_site_mv;

DROP TABLE IF EXISTS tellen.rollup_site_next;

CREATE TABLE tellen.rollup_site_next
(
    site      LowCardinality(String),
    hour      DateTime('UTC'),
    pageviews SimpleAggregateFunction(sum, UInt64),
    visitors  AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_site_next
SELECT site, hour, pageviews, arrayReduce('uniqCombinedState(12)', emptyArrayUInt64())
FROM tellen.rollup_site;

INSERT INTO tellen.rollup_site_next
SELECT site, toStartOfHour(ts) AS hour, 0, uniqCombinedState(12)(visitor)
FROM tellen.events
WHERE type = 'pageview'
GROUP BY site, hour;

DROP TABLE tellen.rollup_site;

RENAME TABLE tellen.rollup_site_next TO tellen.rollup_site;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_site_mv TO tellen.rollup_site AS
SELECT site, toStartOfHour(ts) AS hour, count() AS pageviews, uniqCombinedState(12)(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'pageview'
GROUP BY site, hour;

-- rollup_pages -----------------------------------------------------------------------------------
DROP VIEW IF EXISTS tellen.rollup_pages_mv;

DROP TABLE IF EXISTS tellen.rollup_pages_next;

CREATE TABLE tellen.rollup_pages_next
(
    site      LowCardinality(String),
    hour      DateTime('UTC'),
    path      String,
    pageviews SimpleAggregateFunction(sum, UInt64),
    visitors  AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_pages_next
SELECT site, hour, path, pageviews, arrayReduce('uniqCombinedState(12)', emptyArrayUInt64())
FROM tellen.rollup_pages;

INSERT INTO tellen.rollup_pages_next
SELECT site, toStartOfHour(ts) AS hour, path, 0, uniqCombinedState(12)(visitor)
FROM tellen.events
WHERE type = 'pageview'
GROUP BY site, hour, path;

DROP TABLE tellen.rollup_pages;

RENAME TABLE tellen.rollup_pages_next TO tellen.rollup_pages;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_pages_mv TO tellen.rollup_pages AS
SELECT site, toStartOfHour(ts) AS hour, path, count() AS pageviews, uniqCombinedState(12)(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'pageview'
GROUP BY site, hour, path;

-- rollup_technology ------------------------------------------------------------------------------
DROP VIEW IF EXISTS tellen.rollup_technology_mv;

DROP TABLE IF EXISTS tellen.rollup_technology_next;

CREATE TABLE tellen.rollup_technology_next
(
    site            LowCardinality(String),
    hour            DateTime('UTC'),
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
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, browser, browser_version, os, os_version, device, screen)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_technology_next
SELECT site, hour, browser, browser_version, os, os_version, device, screen, pageviews,
       arrayReduce('uniqCombinedState(12)', emptyArrayUInt64())
FROM tellen.rollup_technology;

INSERT INTO tellen.rollup_technology_next
SELECT site, toStartOfHour(ts) AS hour, browser, browser_version, os, os_version, device, screen, 0,
       uniqCombinedState(12)(visitor)
FROM tellen.events
WHERE type = 'pageview'
GROUP BY site, hour, browser, browser_version, os, os_version, device, screen;

DROP TABLE tellen.rollup_technology;

RENAME TABLE tellen.rollup_technology_next TO tellen.rollup_technology;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_technology_mv TO tellen.rollup_technology AS
SELECT site, toStartOfHour(ts) AS hour, browser, browser_version, os, os_version, device, screen,
       count() AS pageviews, uniqCombinedState(12)(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'pageview'
GROUP BY site, hour, browser, browser_version, os, os_version, device, screen;

-- rollup_locations -------------------------------------------------------------------------------
DROP VIEW IF EXISTS tellen.rollup_locations_mv;

DROP TABLE IF EXISTS tellen.rollup_locations_next;

CREATE TABLE tellen.rollup_locations_next
(
    site      LowCardinality(String),
    hour      DateTime('UTC'),
    country   LowCardinality(String),
    timezone  LowCardinality(String),
    language  LowCardinality(String),
    pageviews SimpleAggregateFunction(sum, UInt64),
    visitors  AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, country, timezone, language)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_locations_next
SELECT site, hour, country, timezone, language, pageviews, arrayReduce('uniqCombinedState(12)', emptyArrayUInt64())
FROM tellen.rollup_locations;

INSERT INTO tellen.rollup_locations_next
SELECT site, toStartOfHour(ts) AS hour, country, timezone, language, 0, uniqCombinedState(12)(visitor)
FROM tellen.events
WHERE type = 'pageview'
GROUP BY site, hour, country, timezone, language;

DROP TABLE tellen.rollup_locations;

RENAME TABLE tellen.rollup_locations_next TO tellen.rollup_locations;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_locations_mv TO tellen.rollup_locations AS
SELECT site, toStartOfHour(ts) AS hour, country, timezone, language, count() AS pageviews, uniqCombinedState(12)(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'pageview'
GROUP BY site, hour, country, timezone, language;

-- rollup_errors ----------------------------------------------------------------------------------
DROP VIEW IF EXISTS tellen.rollup_errors_mv;

DROP TABLE IF EXISTS tellen.rollup_errors_next;

CREATE TABLE tellen.rollup_errors_next
(
    site     LowCardinality(String),
    hour     DateTime('UTC'),
    path     String,
    kind     LowCardinality(String),
    resource String,
    count    SimpleAggregateFunction(sum, UInt64),
    visitors AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path, kind, resource)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_errors_next
SELECT site, hour, path, kind, resource, count, arrayReduce('uniqCombinedState(12)', emptyArrayUInt64())
FROM tellen.rollup_errors;

INSERT INTO tellen.rollup_errors_next
SELECT site, toStartOfHour(ts) AS hour, path, if(type = 'download', 'download', name) AS kind, target AS resource, 0,
       uniqCombinedState(12)(visitor)
FROM tellen.events
WHERE type IN ('error', 'download')
GROUP BY site, hour, path, kind, resource;

DROP TABLE tellen.rollup_errors;

RENAME TABLE tellen.rollup_errors_next TO tellen.rollup_errors;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_errors_mv TO tellen.rollup_errors AS
SELECT site, toStartOfHour(ts) AS hour, path, if(type = 'download', 'download', name) AS kind, target AS resource,
       count() AS count, uniqCombinedState(12)(visitor) AS visitors
FROM tellen.events_in
WHERE type IN ('error', 'download')
GROUP BY site, hour, path, kind, resource;

-- rollup_leaving ---------------------------------------------------------------------------------
DROP VIEW IF EXISTS tellen.rollup_leaving_mv;

DROP TABLE IF EXISTS tellen.rollup_leaving_next;

CREATE TABLE tellen.rollup_leaving_next
(
    site       LowCardinality(String),
    hour       DateTime('UTC'),
    path       String,
    kind       LowCardinality(String),
    target     String,
    leaves     SimpleAggregateFunction(sum, UInt64),
    engaged_ms SimpleAggregateFunction(sum, Float64),
    visitors   AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path, kind, target)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_leaving_next
SELECT site, hour, path, kind, target, leaves, engaged_ms, arrayReduce('uniqCombinedState(12)', emptyArrayUInt64())
FROM tellen.rollup_leaving;

INSERT INTO tellen.rollup_leaving_next
SELECT site, toStartOfHour(ts) AS hour, path, name AS kind, target, 0, 0, uniqCombinedState(12)(visitor)
FROM tellen.events
WHERE type = 'leave'
GROUP BY site, hour, path, kind, target;

DROP TABLE tellen.rollup_leaving;

RENAME TABLE tellen.rollup_leaving_next TO tellen.rollup_leaving;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_leaving_mv TO tellen.rollup_leaving AS
SELECT site, toStartOfHour(ts) AS hour, path, name AS kind, target, count() AS leaves, sum(value) AS engaged_ms,
       uniqCombinedState(12)(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'leave'
GROUP BY site, hour, path, kind, target;

-- rollup_calls -----------------------------------------------------------------------------------
DROP VIEW IF EXISTS tellen.rollup_calls_mv;

DROP TABLE IF EXISTS tellen.rollup_calls_next;

CREATE TABLE tellen.rollup_calls_next
(
    site     LowCardinality(String),
    hour     DateTime('UTC'),
    path     String,
    number   String,
    calls    SimpleAggregateFunction(sum, UInt64),
    visitors AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path, number)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_calls_next
SELECT site, hour, path, number, calls, arrayReduce('uniqCombinedState(12)', emptyArrayUInt64())
FROM tellen.rollup_calls;

INSERT INTO tellen.rollup_calls_next
SELECT site, toStartOfHour(ts) AS hour, path, target AS number, 0, uniqCombinedState(12)(visitor)
FROM tellen.events
WHERE type = 'call'
GROUP BY site, hour, path, number;

DROP TABLE tellen.rollup_calls;

RENAME TABLE tellen.rollup_calls_next TO tellen.rollup_calls;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_calls_mv TO tellen.rollup_calls AS
SELECT site, toStartOfHour(ts) AS hour, path, target AS number, count() AS calls, uniqCombinedState(12)(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'call'
GROUP BY site, hour, path, number;

-- rollup_custom ----------------------------------------------------------------------------------
DROP VIEW IF EXISTS tellen.rollup_custom_mv;

DROP TABLE IF EXISTS tellen.rollup_custom_next;

CREATE TABLE tellen.rollup_custom_next
(
    site     LowCardinality(String),
    hour     DateTime('UTC'),
    name     LowCardinality(String),
    prop     String,
    value    String,
    events   SimpleAggregateFunction(sum, UInt64),
    visitors AggregateFunction(uniqCombined(12), UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, name, prop, value)
TTL hour + INTERVAL 760 DAY
SETTINGS index_granularity = 1024, non_replicated_deduplication_window = 10000;

INSERT INTO tellen.rollup_custom_next
SELECT site, hour, name, prop, value, events, arrayReduce('uniqCombinedState(12)', emptyArrayUInt64())
FROM tellen.rollup_custom;

INSERT INTO tellen.rollup_custom_next
SELECT site, toStartOfHour(ts) AS hour, name, prop, value, 0, uniqCombinedState(12)(visitor)
FROM tellen.events
ARRAY JOIN arrayConcat([''], mapKeys(props)) AS prop, arrayConcat([''], mapValues(props)) AS value
WHERE type = 'custom'
GROUP BY site, hour, name, prop, value;

DROP TABLE tellen.rollup_custom;

RENAME TABLE tellen.rollup_custom_next TO tellen.rollup_custom;

CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_custom_mv TO tellen.rollup_custom AS
SELECT site, toStartOfHour(ts) AS hour, name, prop, value, count() AS events, uniqCombinedState(12)(visitor) AS visitors
FROM tellen.events_in
ARRAY JOIN arrayConcat([''], mapKeys(props)) AS prop, arrayConcat([''], mapValues(props)) AS value
WHERE type = 'custom'
GROUP BY site, hour, name, prop, value;

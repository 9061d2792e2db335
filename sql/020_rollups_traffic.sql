-- Pageviews and unique-visitor states per page and hour: the page breakdown and site totals.
CREATE TABLE IF NOT EXISTS tellen.rollup_pages
(
    site      LowCardinality(String),
    hour      DateTime('UTC'),
    path      String,
    pageviews SimpleAggregateFunction(sum, UInt64),
    visitors  AggregateFunction(uniq, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, path)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_pages from every accepted pageview.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_pages_mv TO tellen.rollup_pages AS
SELECT site, toStartOfHour(ts) AS hour, path, count() AS pageviews, uniqState(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'pageview'
GROUP BY site, hour, path;

-- Pageviews and visitors by browser and major version, OS and version, device type and screen class.
CREATE TABLE IF NOT EXISTS tellen.rollup_technology
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
    visitors        AggregateFunction(uniq, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, browser, browser_version, os, os_version, device, screen)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_technology from every accepted pageview.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_technology_mv TO tellen.rollup_technology AS
SELECT site, toStartOfHour(ts) AS hour, browser, browser_version, os, os_version, device, screen,
       count() AS pageviews, uniqState(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'pageview'
GROUP BY site, hour, browser, browser_version, os, os_version, device, screen;

-- Pageviews and visitors by country, browser time zone and language.
CREATE TABLE IF NOT EXISTS tellen.rollup_locations
(
    site      LowCardinality(String),
    hour      DateTime('UTC'),
    country   LowCardinality(String),
    timezone  LowCardinality(String),
    language  LowCardinality(String),
    pageviews SimpleAggregateFunction(sum, UInt64),
    visitors  AggregateFunction(uniq, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, country, timezone, language)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_locations from every accepted pageview.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_locations_mv TO tellen.rollup_locations AS
SELECT site, toStartOfHour(ts) AS hour, country, timezone, language, count() AS pageviews, uniqState(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'pageview'
GROUP BY site, hour, country, timezone, language;

-- Site totals per hour (pageviews and visitor states): the overview and time series without a filter.
CREATE TABLE IF NOT EXISTS tellen.rollup_site
(
    site      LowCardinality(String),
    hour      DateTime('UTC'),
    pageviews SimpleAggregateFunction(sum, UInt64),
    visitors  AggregateFunction(uniq, UInt64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds rollup_site from every accepted pageview.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_site_mv TO tellen.rollup_site AS
SELECT site, toStartOfHour(ts) AS hour, count() AS pageviews, uniqState(visitor) AS visitors
FROM tellen.events_in
WHERE type = 'pageview'
GROUP BY site, hour;

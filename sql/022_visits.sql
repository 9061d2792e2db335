-- What sessionizing needs of recent events, kept two days after insert whatever the event retention
-- (even 0), so the visits job can cut visits without reading tellen.events.
CREATE TABLE IF NOT EXISTS tellen.visit_events
(
    site            LowCardinality(String),
    visitor         UInt64,
    ts              DateTime64(3, 'UTC'),
    type            LowCardinality(String),
    path            String,
    name            LowCardinality(String),
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
    inserted        DateTime('UTC')
)
ENGINE = MergeTree
PARTITION BY toDate(inserted)
ORDER BY (site, toDate(ts), visitor, ts)
TTL inserted + INTERVAL 2 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Feeds visit_events with pageviews, custom events and the interaction events that mark time on site.
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.visit_events_mv TO tellen.visit_events AS
SELECT site, visitor, ts, type, path, name, source, referrer_host, utm_source, utm_medium, utm_campaign, country,
       browser, browser_version, os, os_version, device, screen, timezone, language, now() AS inserted
FROM tellen.events_in
WHERE type IN ('pageview', 'custom', 'leave', 'click', 'download', 'call');

-- One row per visit (a run of one visitor's events without a gap over 30 minutes), written by the
-- visits job; a visit rewritten later replaces the earlier row (newest version wins).
CREATE TABLE IF NOT EXISTS tellen.rollup_visits
(
    site            LowCardinality(String),
    hour            DateTime('UTC'),
    visitor         UInt64,
    start           DateTime64(3, 'UTC'),
    end             DateTime64(3, 'UTC'),
    pageviews       UInt32,
    customs         UInt32,
    entry_page      String,
    exit_page       String,
    pages           Array(String),
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

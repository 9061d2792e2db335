-- Requests and events that were not stored as visits (bots, bad input, DNT/GPC, ...), counted by
-- site, day and reason. Kept 30 days; the prefix is the truncated client network, never an address.
CREATE TABLE IF NOT EXISTS tellen.rejections
(
    site      LowCardinality(String),
    day       Date,
    reason    LowCardinality(String),
    ip_prefix String,
    count     UInt64
)
ENGINE = SummingMergeTree(count)
ORDER BY (site, day, reason, ip_prefix)
TTL day + INTERVAL 30 DAY
SETTINGS non_replicated_deduplication_window = 10000;

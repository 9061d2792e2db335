-- Requests not tracked because they carried DNT: 1 or Sec-GPC: 1: a count per site and hour, nothing
-- about the visit or the visitor, kept as long as the other rollups.
CREATE TABLE IF NOT EXISTS tellen.rollup_honoured
(
    site     LowCardinality(String),
    hour     DateTime('UTC'),
    requests UInt64
)
ENGINE = SummingMergeTree(requests)
ORDER BY (site, hour)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

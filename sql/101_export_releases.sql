-- Frozen releases: the noisy rows of one dataset for one closed period, written once in a single
-- insert together with a seal row (is_seal = 1, carrying the count of withheld rows). Should two
-- collectors compute the same period at once, readers take the release whose seal ClickHouse stamped
-- first, so every download of a period shows the same figures.
CREATE TABLE IF NOT EXISTS tellen.export_releases
(
    site       String,
    dataset_id String,
    period     Date,
    release_id String,
    computed   DateTime64(6, 'UTC') DEFAULT now64(6),
    is_seal    UInt8,
    groups     Array(String),
    visitors   UInt64,
    pageviews  UInt64,
    withheld   UInt32
)
ENGINE = MergeTree
ORDER BY (site, dataset_id, period, release_id, is_seal, groups)
SETTINGS non_replicated_deduplication_window = 10000;

-- Sites registered with `tellen sites`, beside those in TELLEN_SITES; the newest row per domain wins.
CREATE TABLE IF NOT EXISTS tellen.sites
(
    domain          String,
    timezone        String DEFAULT 'UTC',
    query_allowlist Array(String),
    deleted         UInt8 DEFAULT 0,
    updated         DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated)
ORDER BY domain;

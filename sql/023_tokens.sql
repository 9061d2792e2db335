-- API tokens (read, partner): only the SHA-256 hash of a token is kept; the newest row per id wins,
-- so revoking is inserting the row again with `revoked` set.
CREATE TABLE IF NOT EXISTS tellen.tokens
(
    id      String,
    hash    String,
    kind    LowCardinality(String),
    site    String,
    created DateTime64(3, 'UTC'),
    revoked Nullable(DateTime64(3, 'UTC')),
    updated DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated)
ORDER BY id;

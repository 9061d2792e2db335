-- What partners may download: datasets the site owner defines, one row per version of a definition
-- (newest `updated` wins); removing inserts the row again with `removed` set. A removed dataset that
-- was ever released still counts against the site's epsilon budget.
CREATE TABLE IF NOT EXISTS tellen.export_datasets
(
    id            String,
    site          String,
    name          String,
    dimensions    Array(String),
    metrics       Array(String),
    period        LowCardinality(String),
    epsilon_milli UInt32,
    created       DateTime64(3, 'UTC'),
    removed       Nullable(DateTime64(3, 'UTC')),
    updated       DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated)
ORDER BY (site, id);

-- The audit of partner downloads: who (token id), what (dataset, span), how many rows, when. Nothing
-- else of a request is kept.
CREATE TABLE IF NOT EXISTS tellen.export_downloads
(
    at         DateTime64(3, 'UTC') DEFAULT now64(3),
    token_id   String,
    site       String,
    dataset    String,
    from_day   Date,
    to_day     Date,
    rows       UInt32
)
ENGINE = MergeTree
ORDER BY (site, at);

-- Goals: what counts as a conversion on a site, a page pattern or a custom event (with one property
-- value at most). A goal is a question asked of the stored data, never a tag written at ingest, so it
-- answers for the past as well. The newest row per id wins; removing a goal writes it again deleted.
CREATE TABLE IF NOT EXISTS tellen.goals
(
    id          String,
    site        String,
    name        String,
    page        String,
    event       String,
    prop_key    String,
    prop_value  String,
    created     DateTime64(3, 'UTC'),
    deleted     UInt8 DEFAULT 0,
    updated     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated)
ORDER BY (site, id);

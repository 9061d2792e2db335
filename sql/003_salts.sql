-- One random salt per UTC day for the visitor hash, shared by every collector through this table.
-- The lowest salt of a day is the one in use; a salt is deleted 48 hours after its day ends.
CREATE TABLE IF NOT EXISTS tellen.salts
(
    day     Date,
    salt    String,
    created DateTime DEFAULT now()
)
ENGINE = MergeTree
ORDER BY (day, salt)
TTL day + INTERVAL 3 DAY;

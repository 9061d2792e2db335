-- The daily salts are stored only sealed with the collector key (TELLEN_SECRET, AES-256-GCM with the
-- day as associated data): a reader of ClickHouse cannot recompute visitor codes from them. The clear
-- salts of sql/003_salts.sql are dropped with their table; the codes of the day of the upgrade start anew.
DROP TABLE IF EXISTS tellen.salts;

CREATE TABLE IF NOT EXISTS tellen.salts
(
    day     Date,
    sealed  String,
    created DateTime DEFAULT now()
)
ENGINE = MergeTree
ORDER BY (day, sealed)
TTL day + INTERVAL 3 DAY;

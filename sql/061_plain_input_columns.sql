-- tellen.events_in holds nothing (Null engine): its columns only type the parsed rows that the views
-- read. As LowCardinality they made every insert build a dictionary per column and block that the
-- stored tables then build again; as plain strings an insert costs about 1.5 µs less CPU per row
-- (8.8 against 7.3 µs in batches of 50,000 rows through every view, bench/lib/insert-cost.ts).
-- The tables the views write keep their LowCardinality columns.
ALTER TABLE tellen.events_in
    MODIFY COLUMN site String,
    MODIFY COLUMN type String,
    MODIFY COLUMN hostname String,
    MODIFY COLUMN source String,
    MODIFY COLUMN utm_source String,
    MODIFY COLUMN utm_medium String,
    MODIFY COLUMN browser String,
    MODIFY COLUMN browser_version String,
    MODIFY COLUMN os String,
    MODIFY COLUMN os_version String,
    MODIFY COLUMN device String,
    MODIFY COLUMN screen String,
    MODIFY COLUMN timezone String,
    MODIFY COLUMN language String,
    MODIFY COLUMN country String,
    MODIFY COLUMN name String;

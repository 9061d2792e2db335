-- The stored events keep no address prefix. Beside a visitor code it narrowed the addresses that
-- could have made the code to a few hundred (a /24), so anyone who could read a day's salt could
-- find a visitor's full address by trying them all. The prefix is kept only with counts of refused
-- requests (tellen.rejections), which carry no visitor code. tellen.events_in keeps the column so
-- that rows spooled by an earlier version still parse; the pipeline writes it empty and no view
-- reads it. The column is dropped synchronously, so its files are gone once the migration is done.
DROP VIEW IF EXISTS tellen.events_store_mv;
ALTER TABLE tellen.events DROP COLUMN IF EXISTS ip_prefix SETTINGS mutations_sync = 2;
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.events_store_mv TO tellen.events AS
SELECT * EXCEPT (ip_prefix) FROM tellen.events_in;

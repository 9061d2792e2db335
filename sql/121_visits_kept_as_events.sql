-- Visits are kept one row each only as long as the events (30 days by default; the collector sets the
-- configured event retention at every start): past that, the pair totals of sql/120 and the totals of
-- sql/042 answer for them, and no row per visit or visitor code is left.
ALTER TABLE tellen.rollup_visits MODIFY TTL hour + INTERVAL 30 DAY;

ALTER TABLE tellen.rollup_visit_pageviews MODIFY TTL hour + INTERVAL 30 DAY;

-- The contribution-bounded counts of partner datasets per UTC day (collector/src/export/day-counts.ts):
-- for a site and a set of dataset dimensions (`dimensions`, their names in the dataset's order, joined
-- by commas), each group's visitors and pageviews of one day, every visitor code counted in the group
-- of its first visit that day with that day's pageviews in it capped. A visitor code lives one UTC day,
-- so a period's counts are the sum of its days': releases of periods whose visits are gone (the
-- per-visit tables are kept only as long as the events) are still counted from these. The visits job
-- writes every ended day still kept, again when it rewrote the day's visits (late events): its rows,
-- a zero row for each group it had before (readers skip rows without visitors) and a seal
-- (is_seal = 1, no group) in one insert, so a day with a seal is counted, even when it had no
-- visits. Kept as the rollups are (applyRetention).
CREATE TABLE IF NOT EXISTS tellen.rollup_export_counts_daily
(
    site       LowCardinality(String),
    dimensions LowCardinality(String),
    day        Date,
    is_seal    UInt8,
    groups     Array(String),
    visitors   UInt64,
    pageviews  UInt64,
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (site, dimensions, day, is_seal, groups)
TTL day + INTERVAL 760 DAY;

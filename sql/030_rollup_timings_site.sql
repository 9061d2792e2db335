-- Timing quantile states and Web Vitals ratings per site, hour and metric, without the page: the
-- unfiltered vitals question merges 20 times fewer quantile states than from tellen.rollup_timings.
CREATE TABLE IF NOT EXISTS tellen.rollup_timings_site
(
    site      LowCardinality(String),
    hour      DateTime('UTC'),
    metric    LowCardinality(String),
    samples   SimpleAggregateFunction(sum, UInt64),
    good      SimpleAggregateFunction(sum, UInt64),
    needs_improvement SimpleAggregateFunction(sum, UInt64),
    poor      SimpleAggregateFunction(sum, UInt64),
    quantiles AggregateFunction(quantilesTDigest(0.5, 0.75, 0.95), Float64)
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (site, hour, metric)
TTL hour + INTERVAL 760 DAY
SETTINGS non_replicated_deduplication_window = 10000;

-- Fills the new rollup once from the per-page one (which holds every timing so far), before the view
-- below starts feeding it; the guard keeps a repeated run of this migration from counting twice.
INSERT INTO tellen.rollup_timings_site
SELECT site, hour, metric, sum(samples), sum(good), sum(needs_improvement), sum(poor),
       quantilesTDigestMergeState(0.5, 0.75, 0.95)(quantiles)
FROM tellen.rollup_timings
WHERE (SELECT count() FROM tellen.rollup_timings_site) = 0
GROUP BY site, hour, metric;

-- Feeds rollup_timings_site with the thresholds of rollup_timings_mv (sql/021).
CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.rollup_timings_site_mv TO tellen.rollup_timings_site AS
SELECT site, toStartOfHour(ts) AS hour, name AS metric, count() AS samples,
       countIf(rating = 1) AS good, countIf(rating = 2) AS needs_improvement, countIf(rating = 3) AS poor,
       quantilesTDigestState(0.5, 0.75, 0.95)(value) AS quantiles
FROM
(
    SELECT site, ts, name, value,
           multiIf(name = 'lcp', multiIf(value <= 2500, 1, value <= 4000, 2, 3),
                   name = 'inp', multiIf(value <= 200, 1, value <= 500, 2, 3),
                   name = 'cls', multiIf(value <= 0.1, 1, value <= 0.25, 2, 3),
                   name = 'fcp', multiIf(value <= 1800, 1, value <= 3000, 2, 3),
                   name = 'ttfb', multiIf(value <= 800, 1, value <= 1800, 2, 3),
                   0) AS rating
    FROM tellen.events_in
    WHERE type = 'timing'
)
GROUP BY site, hour, metric;

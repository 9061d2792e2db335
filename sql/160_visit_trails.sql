-- Each visit's trail: its pageviews and custom events in time order, as three arrays of one length.
-- `trail_ms` is each one's time in milliseconds from the visit's start, `trail_names` the pageview's
-- path or the custom event's name, `trail_custom` 1 for a custom event. Written by the visits job with
-- the visit, so a funnel reads one row per visit instead of joining the events to the visits and
-- sorting each visit's events at query time (names are LowCardinality: a step compares each distinct
-- name of a part once). Kept as long as the visits (the event retention).
ALTER TABLE tellen.rollup_visits
    ADD COLUMN IF NOT EXISTS trail_ms Array(UInt32) AFTER language,
    ADD COLUMN IF NOT EXISTS trail_names Array(LowCardinality(String)) AFTER trail_ms,
    ADD COLUMN IF NOT EXISTS trail_custom Array(UInt8) AFTER trail_names;

-- Filled once for the visits there are, from the events still kept: each pageview and custom event of
-- a visit's visitor from its start to its end, the events the visits job cut it from. The visit is
-- written again with the trail under a version one higher, which replaces the row without one.
INSERT INTO tellen.rollup_visits
SELECT v.site, v.hour, v.visitor, v.start, v.end, v.pageviews, v.customs, v.entry_page, v.exit_page, v.pages, v.events,
       v.source, v.referrer_host, v.utm_source, v.utm_medium, v.utm_campaign, v.country, v.browser, v.browser_version, v.os,
       v.os_version, v.device, v.screen, v.timezone, v.language,
       arrayMap(e -> toUInt32(dateDiff('millisecond', v.start, e.1)), t.trail), arrayMap(e -> e.3, t.trail),
       arrayMap(e -> e.2, t.trail), v.version + 1
FROM
(
    SELECT w.site AS site, w.visitor AS visitor, w.start AS start,
           arraySort(groupArray((e.ts, toUInt8(e.type = 'custom'), if(e.type = 'custom', toString(e.name), e.path)))) AS trail
    FROM (SELECT site, visitor, ts, type, path, name FROM tellen.events WHERE type IN ('pageview', 'custom')) AS e
    ASOF JOIN (SELECT site, visitor, start, end FROM tellen.rollup_visits FINAL WHERE rollup_visits.pageviews > 0) AS w
    ON e.site = w.site AND e.visitor = w.visitor AND e.ts >= w.start
    WHERE e.ts <= w.end
    GROUP BY w.site, w.visitor, w.start
) AS t
INNER JOIN (SELECT * FROM tellen.rollup_visits FINAL WHERE rollup_visits.pageviews > 0) AS v
ON v.site = t.site AND v.visitor = t.visitor AND v.start = t.start;

-- Each visit was just written a second time: merged at once, so that reading the visits with FINAL
-- does not merge two rows of every visit until the engine merges them on its own.
OPTIMIZE TABLE tellen.rollup_visits FINAL;

import { randomUUID } from 'node:crypto'
import type { Db } from '../db/client.ts'

/**
 * The visit totals by pair of visit dimensions per UTC day (sql/120), which answer visit metrics
 * under visit filters once the per-visit tables are gone after the event retention.
 */

/**
 * Each dimension a visit is filtered and grouped by, and the column of `tellen.rollup_visits` it is
 * read from; `page` and `event` are arrays (every page the visit viewed, every custom event it holds).
 */
export const PAIR_COLUMNS = {
  entry_page: 'entry_page',
  exit_page: 'exit_page',
  source: 'source',
  referrer: 'referrer_host',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  country: 'country',
  browser: 'browser',
  browser_version: 'browser_version',
  os: 'os',
  os_version: 'os_version',
  device: 'device',
  screen: 'screen',
  timezone: 'timezone',
  language: 'language',
  page: 'pages',
  event: 'events',
} as const
export type PairDimension = keyof typeof PAIR_COLUMNS

/** The row of `tellen.rollup_visit_pairs_daily` that holds a set of at most two dimensions. */
export interface PairKey {
  /** The first dimension in name order, or '' for one dimension or none. */
  a: PairDimension | ''
  /** The other one, or '' for none. */
  b: PairDimension | ''
}

/**
 * The key of the rows that hold these dimensions together, or undefined for more than two.
 * @example pairKey(['source', 'country']) // { a: 'country', b: 'source' }
 */
export function pairKey(dims: readonly PairDimension[]): PairKey | undefined {
  const distinct = [...new Set(dims)].sort()
  if (distinct.length > 2) return undefined
  if (distinct.length === 2) return { a: distinct[0]!, b: distinct[1]! }
  return { a: '', b: distinct[0] ?? '' }
}

const SCALARS = (Object.keys(PAIR_COLUMNS) as PairDimension[]).filter((d) => d !== 'page' && d !== 'event')

/**
 * Writes the pair totals of whole UTC days `{days}` from the visits and their pageview events: a zero
 * row under `{zero}` for every key the days had, then the totals under `{version}`. The pageviews of
 * each page of a visit come from `tellen.visit_events`, which the job cuts the visits from.
 */
export const VISIT_PAIRS = `
INSERT INTO tellen.rollup_visit_pairs_daily
SELECT * REPLACE (0 AS visits, 0 AS bounces, 0 AS visit_pageviews, 0 AS duration_ms, 0 AS pageviews,
                  arrayReduce('uniqCombinedState(12)', emptyArrayUInt64()) AS visitors, {zero:UInt64} AS version)
FROM tellen.rollup_visit_pairs_daily FINAL
WHERE day IN {days:Array(Date)}
UNION ALL
SELECT site, day, a.1, a.2, b.1, b.2, count(), countIf(bounce), sum(visit_pageviews), sum(duration_ms),
       sum(if(a.1 = 'page', a.3, if(b.1 = 'page', b.3, visit_pageviews))), uniqCombinedState(12)(visitor), {version:UInt64}
FROM
(
    SELECT *, arrayJoin(items) AS a
    FROM
    (
        SELECT v.site AS site, toDate(v.hour, 'UTC') AS day, v.visitor AS visitor, toUInt64(v.pageviews) AS visit_pageviews,
               v.pageviews = 1 AND v.customs = 0 AS bounce, dateDiff('millisecond', v.start, v.end) AS duration_ms,
               arrayConcat(
                   [('', '', toUInt64(0)), ${SCALARS.map((d) => `('${d}', toString(v.${PAIR_COLUMNS[d]}), 0)`).join(', ')}],
                   arrayMap(p -> ('page', p, toUInt64(arrayFirst(c -> c.1 = p, pc.counts).2)), v.pages),
                   arrayMap(e -> ('event', e, toUInt64(0)), v.events)) AS items
        FROM (SELECT * FROM tellen.rollup_visits FINAL WHERE toDate(hour, 'UTC') IN {days:Array(Date)} AND rollup_visits.pageviews > 0) AS v
        LEFT JOIN
        (
            SELECT site, visitor, start, groupArray((path, n)) AS counts
            FROM
            (
                SELECT w.site AS site, w.visitor AS visitor, w.start AS start, e.path AS path, toUInt64(count()) AS n
                FROM (SELECT site, visitor, ts, path FROM tellen.visit_events WHERE toDate(ts) IN {days:Array(Date)} AND type = 'pageview') AS e
                ASOF JOIN (SELECT site, visitor, start FROM tellen.rollup_visits FINAL
                           WHERE toDate(hour, 'UTC') IN {days:Array(Date)} AND rollup_visits.pageviews > 0) AS w
                ON e.site = w.site AND e.visitor = w.visitor AND e.ts >= w.start
                GROUP BY site, visitor, start, path
            )
            GROUP BY site, visitor, start
        ) AS pc ON pc.site = v.site AND pc.visitor = v.visitor AND pc.start = v.start
    )
)
ARRAY JOIN items AS b
WHERE a.1 < b.1 OR (a.1 = '' AND b.1 = '')
GROUP BY site, day, a.1, a.2, b.1, b.2`

/**
 * Today's pair totals are rewritten once they are this many times as old as their last rewrite took.
 * Rewriting a day's pairs groups about 200 rows per visit (docs/design.md has the cost): a busy site
 * should not pay for it in every pass of the visits job, so it takes at most a tenth of the job's
 * time, while a small site's pairs stay as current as its visits. Earlier days are rewritten in the
 * pass that changed them, and a stopping collector brings every day up to date.
 */
export const TODAY_PAIRS_AGE_PER_COST = 10

/**
 * The UTC days whose visit totals (sql/042) are newer than their pair totals, with the version of
 * the pairs they have (0 for none): those the visits job changed since it last wrote their pairs.
 * Only days still in `tellen.visit_events` can change, so only they are compared.
 */
const STALE_PAIR_DAYS = `
SELECT toString(t.day) AS day, toString(ifNull(p.version, 0)) AS pairs
FROM (SELECT day, max(version) AS version FROM tellen.rollup_visit_totals_daily
      WHERE day IN (SELECT DISTINCT toDate(ts) FROM tellen.visit_events) GROUP BY day) AS t
LEFT JOIN (SELECT day, max(version) AS version FROM tellen.rollup_visit_pairs_daily
           WHERE day IN (SELECT DISTINCT toDate(ts) FROM tellen.visit_events) GROUP BY day) AS p ON p.day = t.day
WHERE t.version > ifNull(p.version, 0)
ORDER BY day
SETTINGS join_use_nulls = 1`

/**
 * Rewrites the pair totals of the days the visits job changed since their pairs were written: days
 * before today (UTC) at once, today's when its pairs are older than `todayMaxAgeMs`; `onTodayCost`
 * hears how long today's took, `onWaiting` how many changed days wait for a later call (today's, too
 * young). Returns the days rewritten.
 * @example await refreshVisitPairs(db, 0) // every changed day, today's too
 */
export async function refreshVisitPairs(
  db: Db,
  todayMaxAgeMs: number,
  now = Date.now(),
  onTodayCost?: (ms: number) => void,
  onWaiting?: (days: number) => void,
): Promise<string[]> {
  const rs = await db.query({ query: STALE_PAIR_DAYS, format: 'JSONEachRow' })
  const today = new Date(now).toISOString().slice(0, 10)
  const stale = await rs.json<{ day: string; pairs: string }>()
  const due = stale.filter((d) => d.day < today || now - Number(d.pairs) >= todayMaxAgeMs).map((d) => d.day)
  onWaiting?.(stale.length - due.length)
  for (const day of due) {
    const version = Date.now()
    await db.command({
      query: VISIT_PAIRS,
      query_params: { days: [day], version, zero: version - 1 },
      clickhouse_settings: { insert_deduplication_token: randomUUID() },
    })
    if (day === today) onTodayCost?.(Date.now() - version)
  }
  return due
}

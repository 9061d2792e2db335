import type { Db } from '../../db/client.ts'

/** When a site's first pageview arrived, to the hour (UTC), and its latest hour with one. */
export interface SiteArrival {
  first_pageview_hour: string
  last_pageview_hour: string
}

/**
 * The first and the latest hour with a pageview of each of `sites` that has had one, from the hourly
 * site totals (kept as long as the rollups); a site missing from the answer is still waiting.
 * @example (await firstPageviews(db, ['example.com'])).get('example.com')?.first_pageview_hour // '2026-12-07 06:00:00'
 */
export async function firstPageviews(db: Db, sites: readonly string[]): Promise<Map<string, SiteArrival>> {
  if (!sites.length) return new Map()
  const rs = await db.query({
    query: `SELECT site, toString(min(hour)) AS first, toString(max(hour)) AS last FROM tellen.rollup_site
            WHERE site IN {sites:Array(String)} AND pageviews > 0 GROUP BY site`,
    query_params: { sites },
    format: 'JSONEachRow',
  })
  const rows = await rs.json<{ site: string; first: string; last: string }>()
  return new Map(rows.map((r) => [r.site, { first_pageview_hour: r.first, last_pageview_hour: r.last }]))
}

import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'
import { addSite, listSites, removeSite, SiteError, validateSite } from '../sites.ts'
import { firstPageviews } from '../stats/queries/first-pageviews.ts'

/** A site as the start page shows it: where it comes from, and whether its first pageview has arrived. */
export interface SiteStatus {
  domain: string
  timezone: string
  /** `registered` (tellen sites, the dashboard; removable) or `configured` (TELLEN_SITES; not removable here). */
  origin: 'registered' | 'configured'
  /** The UTC hour of the first pageview, or null while the site waits for it. */
  first_pageview_hour: string | null
  last_pageview_hour: string | null
}

/**
 * `/api/admin/sites`: list, add and remove registered sites; used by `tellen sites`, the start page
 * and the dashboard. `GET /api/admin/sites/status` lists every site that may send events, the ones
 * from TELLEN_SITES included, with the hour its first pageview arrived.
 */
/** What `siteRoutes` uses of the collector's services. */
export type SiteRouteDeps = Pick<Services, 'db' | 'sites'>

export function siteRoutes(s: SiteRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  app.get('/api/admin/sites', async (c) => c.json({ sites: await listSites(s.db) }))
  app.get('/api/admin/sites/status', async (c) => {
    const registered = new Set((await listSites(s.db)).map((r) => r.domain))
    const sites = s.sites.all().sort((a, b) => a.domain.localeCompare(b.domain))
    const arrivals = await firstPageviews(s.db, sites.map((x) => x.domain))
    const status: SiteStatus[] = sites.map((site) => ({
      domain: site.domain,
      timezone: site.timezone,
      origin: registered.has(site.domain) ? 'registered' : 'configured',
      first_pageview_hour: arrivals.get(site.domain)?.first_pageview_hour ?? null,
      last_pageview_hour: arrivals.get(site.domain)?.last_pageview_hour ?? null,
    }))
    return c.json({ sites: status })
  })
  app.post('/api/admin/sites', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as Record<string, unknown> | undefined
    if (!body || typeof body !== 'object') return c.json({ error: 'body is not a JSON object' }, 400)
    const site = validateSite(body)
    if (typeof site === 'string') return c.json({ error: site }, 400)
    try {
      await addSite(s.db, site)
    } catch (err) {
      if (err instanceof SiteError) return c.json({ error: err.message }, 400)
      throw err
    }
    await s.sites.refresh()
    return c.json({ site })
  })
  app.delete('/api/admin/sites/:domain', async (c) => {
    const domain = c.req.param('domain').toLowerCase()
    if (!(await removeSite(s.db, domain))) return c.json({ error: `site "${domain}" is not registered` }, 404)
    await s.sites.refresh()
    return c.json({ removed: domain })
  })
  return app
}

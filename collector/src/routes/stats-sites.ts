import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'
import { requireToken } from './auth.ts'

/** A site as the dashboard's site picker needs it. */
export interface SiteInfo {
  domain: string
  /** IANA time zone in which the site's days are cut. */
  timezone: string
  /** How many days the anonymised events are kept: a panel answered from them covers no more. */
  events_retention_days: number
}

export interface SitesResult {
  sites: SiteInfo[]
}

/** What `statsSitesRoutes` uses of the collector's services. */
export type StatsSitesRouteDeps = Pick<Services, 'sites' | 'tokens' | 'config'>

/**
 * `GET /api/stats/sites`: the sites the token may read (all of them for the admin token and unscoped
 * read tokens, one for a read token scoped to a site), with the time zone their days are cut in.
 */
export function statsSitesRoutes(s: StatsSitesRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  app.get('/api/stats/sites', requireToken(s, ['admin', 'read']), (c) => {
    const principal = c.var.principal
    const only = principal.kind === 'admin' ? null : principal.site
    const sites: SiteInfo[] = s.sites
      .all()
      .filter((site) => only === null || site.domain === only)
      .map((site) => ({ domain: site.domain, timezone: site.timezone, events_retention_days: s.config.eventsRetentionDays }))
      .sort((a, b) => a.domain.localeCompare(b.domain))
    return c.json({ sites } satisfies SitesResult)
  })
  return app
}

import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'
import { addSite, listSites, removeSite, SiteError, validateSite } from '../sites.ts'

/** What `siteRoutes` uses of the collector's services. */
export type SiteRouteDeps = Pick<Services, 'db' | 'sites'>

/** `/api/admin/sites`: list, add and remove registered sites; used by `tellen sites`. */
export function siteRoutes(s: SiteRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  app.get('/api/admin/sites', async (c) => c.json({ sites: await listSites(s.db) }))
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

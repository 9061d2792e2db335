import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'
import { downloadLog, MAX_AUDIT_RECORDS } from '../export/audit.ts'
import { createDatasetStore, type ExportDataset } from '../export/datasets.ts'
import { parseDefinition } from '../export/definition.ts'
import { releaseThreshold } from '../export/mechanism.ts'
import { ParamError } from '../stats/params.ts'
import { requireToken } from './auth.ts'

/**
 * The owner's side of partner exports, for the admin token: `POST|GET /api/admin/exports/datasets`,
 * `DELETE /api/admin/exports/datasets/:site/:name` (define, list with the budget ledger, remove), and
 * `GET /api/admin/exports?site=&limit=`, the audit of downloads, newest first.
 */
export function exportAdminRoutes(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  const datasets = createDatasetStore(s.db, s.config.exportEpsilonBudgetMilli)
  /** A dataset with the noisy visitor count its rows need on this collector. */
  const described = (d: ExportDataset) => ({ ...d, minVisitors: releaseThreshold(d, s.config.exportMinVisitors) })
  app.use('/api/admin/exports', requireToken(s, ['admin']))
  app.use('/api/admin/exports/*', requireToken(s, ['admin']))

  app.post('/api/admin/exports/datasets', async (c) => {
    const body = await c.req.json().catch(() => undefined)
    if (body === undefined) return c.json({ error: 'the body must be JSON: {"site": "example.com", "name": "by-country", "dimensions": ["country"]}' }, 400)
    try {
      const definition = parseDefinition(body)
      if (!s.sites.get(definition.site)) return c.json({ error: `site: "${definition.site}" is not registered with this collector` }, 400)
      const dataset = await datasets.define(definition)
      // The visits job stores its day counts at its next pass.
      s.visits.touch()
      return c.json({ dataset: described(dataset), ledger: await datasets.ledger(dataset.site) }, 201)
    } catch (err) {
      if (err instanceof ParamError) return c.json({ error: err.message }, 400)
      throw err
    }
  })
  app.get('/api/admin/exports/datasets', async (c) => {
    const site = c.req.query('site')?.toLowerCase()
    const list = await datasets.list(site)
    const sites = [...new Set([...(site ? [site] : []), ...list.map((d) => d.site)])]
    return c.json({ datasets: list.map(described), ledgers: await Promise.all(sites.map((d) => datasets.ledger(d))) })
  })
  app.delete('/api/admin/exports/datasets/:site/:name', async (c) => {
    const site = c.req.param('site').toLowerCase()
    const name = c.req.param('name')
    if (!(await datasets.remove(site, name))) return c.json({ error: `${site} has no dataset named "${name.slice(0, 64)}"` }, 404)
    s.visits.touch()
    return c.json({ removed: name, site })
  })
  app.get('/api/admin/exports', async (c) => {
    const limit = c.req.query('limit') ?? String(MAX_AUDIT_RECORDS)
    if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_AUDIT_RECORDS) return c.json({ error: `limit must be a whole number from 1 to ${MAX_AUDIT_RECORDS}` }, 400)
    const site = c.req.query('site')?.toLowerCase()
    return c.json({ downloads: await downloadLog(s.db, { ...(site ? { site } : {}), limit: Number(limit) }) })
  })
  return app
}

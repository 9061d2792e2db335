import { Hono } from 'hono'
import { z } from 'zod'
import { TOKEN_KINDS } from '../auth/tokens.ts'
import type { Env, Services } from '../context.ts'
import { createDatasetStore } from '../export/datasets.ts'
import { requireToken } from './auth.ts'

const createBody = z.strictObject({
  kind: z.enum(TOKEN_KINDS, { error: `kind must be one of ${TOKEN_KINDS.join(', ')}` }),
  site: z.string().trim().toLowerCase().min(1).max(253).optional(),
  datasets: z.array(z.string().trim().min(1).max(63)).max(100).optional(),
})

/**
 * `/api/admin/tokens`: create (the token is in the answer once), list and revoke read and partner
 * tokens. A partner token names its site and the datasets of that site it may download.
 */
/** What `tokenRoutes` uses of the collector's services. */
export type TokenRouteDeps = Pick<Services, 'sites' | 'tokens' | 'db' | 'config'>

export function tokenRoutes(s: TokenRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  const datasets = createDatasetStore(s.db, s.config.exportEpsilonBudgetMilli)
  app.use('/api/admin/tokens', requireToken(s, ['admin']))
  app.use('/api/admin/tokens/*', requireToken(s, ['admin']))
  app.post('/api/admin/tokens', async (c) => {
    const body = createBody.safeParse(await c.req.json().catch(() => undefined))
    if (!body.success) {
      const issue = body.error.issues[0]!
      return c.json({ error: issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : 'the body must be JSON: {"kind": "partner", "site": "example.com", "datasets": ["by-country"]}' }, 400)
    }
    const { kind, site, datasets: names } = body.data
    if (site && !s.sites.get(site)) return c.json({ error: `site "${site}" is not registered with this collector` }, 400)
    if (names?.length) {
      if (kind !== 'partner') return c.json({ error: 'datasets: only a partner token downloads datasets' }, 400)
      if (!site) return c.json({ error: 'site: a partner token with datasets needs the site they belong to' }, 400)
      const defined = new Set((await datasets.list(site)).map((d) => d.name))
      const unknown = names.find((n) => !defined.has(n))
      if (unknown) return c.json({ error: `datasets: ${site} has no dataset named "${unknown}"; define it first (tellen exports define)` }, 400)
    }
    const { token, info } = await s.tokens.create(kind, site, { datasets: names ? [...new Set(names)] : [] })
    return c.json({ ...info, token }, 201)
  })
  app.get('/api/admin/tokens', async (c) => c.json({ tokens: await s.tokens.list() }))
  app.delete('/api/admin/tokens/:id', async (c) => {
    const id = c.req.param('id')
    if (!(await s.tokens.revoke(id))) return c.json({ error: `no token has the id ${id}` }, 404)
    return c.json({ revoked: id })
  })
  return app
}

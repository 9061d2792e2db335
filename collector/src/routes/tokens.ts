import { Hono } from 'hono'
import { z } from 'zod'
import { TOKEN_KINDS } from '../auth/tokens.ts'
import type { Env, Services } from '../context.ts'
import { requireToken } from './auth.ts'

const createBody = z.strictObject({
  kind: z.enum(TOKEN_KINDS, { error: `kind must be one of ${TOKEN_KINDS.join(', ')}` }),
  site: z.string().trim().toLowerCase().min(1).max(253).optional(),
})

/** What `tokenRoutes` uses of the collector's services. */
export type TokenRouteDeps = Pick<Services, 'sites' | 'tokens'>

/** `/api/admin/tokens`: create (the token is in the answer once), list and revoke read and partner tokens. */
export function tokenRoutes(s: TokenRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  app.use('/api/admin/tokens', requireToken(s, ['admin']))
  app.use('/api/admin/tokens/*', requireToken(s, ['admin']))
  app.post('/api/admin/tokens', async (c) => {
    const body = createBody.safeParse(await c.req.json().catch(() => undefined))
    if (!body.success) {
      const issue = body.error.issues[0]!
      return c.json({ error: issue.path.length ? `${issue.path.join('.')}: ${issue.message}` : 'the body must be JSON: {"kind": "read", "site": "example.com"}' }, 400)
    }
    if (body.data.site && !s.sites.get(body.data.site)) return c.json({ error: `site "${body.data.site}" is not registered with this collector` }, 400)
    const { token, info } = await s.tokens.create(body.data.kind, body.data.site)
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

import { Hono } from 'hono'
import { z } from 'zod'
import type { TokenInfo } from '../auth/tokens.ts'
import type { Env, Services } from '../context.ts'

/** A shared link as listed: never its secret, which is shown once, in the link made at creation. */
export interface Share {
  id: string
  site: string
  created_at: string
  /** When the link stops working (ISO 8601), or null for never. */
  expires_at: string | null
  /** True once the expiry has passed. */
  expired: boolean
}

const createBody = z.strictObject({
  site: z.string({ error: 'site must be a string' }).trim().toLowerCase().min(1, 'site must not be empty').max(253),
  expires_at: z
    .string({ error: 'expires_at must be a string' })
    .refine((v) => /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d))?$/.test(v) && !Number.isNaN(Date.parse(v)), {
      error: 'expires_at must be an ISO 8601 date, or date and time with a zone, e.g. 2027-01-31 or 2027-01-31T00:00:00Z',
    })
    .optional(),
})

const iso = (time: string) => new Date(time.includes('T') ? time : `${time.replace(' ', 'T')}Z`).toISOString()

const shareOf = (t: TokenInfo): Share => ({
  id: t.id, site: t.site ?? '', created_at: iso(t.created), expires_at: t.expires ? iso(t.expires) : null, expired: t.expires !== null && Date.parse(iso(t.expires)) <= Date.now(),
})

/**
 * `/api/admin/shares`: read-only links to one site's dashboard. A link's secret is a read token scoped
 * to the site (optionally expiring, revocable) that travels in the URL's fragment, which browsers
 * never send: the dashboard reads it and sends it as `Authorization: Bearer`, so it reaches no query
 * string, request line or log. It is in the answer that creates the link, and never again.
 */
export function shareRoutes(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  app.post('/api/admin/shares', async (c) => {
    const body = createBody.safeParse(await c.req.json().catch(() => undefined))
    if (!body.success) {
      const issue = body.error.issues[0]!
      if (issue.code === 'unrecognized_keys') return c.json({ error: `unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}` }, 400)
      return c.json({ error: issue.path.length ? issue.message : 'the body must be JSON: {"site": "example.com", "expires_at": "2027-01-31T00:00:00Z"}' }, 400)
    }
    const { site, expires_at: expiresAt } = body.data
    if (!s.sites.get(site)) return c.json({ error: `site "${site}" is not registered with this collector` }, 400)
    const expires = expiresAt === undefined ? undefined : new Date(expiresAt)
    if (expires && expires.getTime() <= Date.now()) return c.json({ error: `expires_at (${expiresAt}) is not in the future` }, 400)
    const { token, info } = await s.tokens.create('read', site, { purpose: 'share', ...(expires ? { expires } : {}) })
    return c.json({ ...shareOf(info), url: `/dashboard/?site=${encodeURIComponent(site)}#share=${token}` }, 201)
  })
  app.get('/api/admin/shares', async (c) => {
    const site = c.req.query('site')?.trim().toLowerCase()
    const shares = (await s.tokens.list()).filter((t) => t.purpose === 'share' && !t.revoked && (!site || t.site === site))
    return c.json({ shares: shares.map(shareOf) })
  })
  app.delete('/api/admin/shares/:id', async (c) => {
    const id = c.req.param('id')
    const share = (await s.tokens.list()).find((t) => t.id === id && t.purpose === 'share' && !t.revoked)
    if (!share) return c.json({ error: `no shared link has the id ${id}` }, 404)
    await s.tokens.revoke(id)
    return c.body(null, 204)
  })
  return app
}

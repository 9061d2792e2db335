import { Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import type { Env, Services } from '../context.ts'

/** `GET /api/stats/sites`: the sites the token may read, with the time zone their days are cut in. */
export function statsSitesRoutes(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  app.use('/api/stats/sites', bearerAuth({
    token: s.adminToken,
    noAuthenticationHeader: { message: { error: 'a token is required (Authorization: Bearer ...)' } },
    invalidToken: { message: { error: 'the token is not valid' } },
    invalidAuthenticationHeader: { message: { error: 'the Authorization header must be "Bearer <token>"' } },
  }))
  app.get('/api/stats/sites', (c) =>
    c.json({
      sites: s.sites
        .all()
        .map((site) => ({ domain: site.domain, timezone: site.timezone }))
        .sort((a, b) => a.domain.localeCompare(b.domain)),
    }))
  return app
}

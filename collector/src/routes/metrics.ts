import { Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import type { Env, Services } from '../context.ts'

/** `GET /metrics`: Prometheus text format, for the admin token (Authorization: Bearer). */
export function metricsRoutes(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  app.use(
    '/metrics',
    bearerAuth({
      token: s.adminToken,
      noAuthenticationHeader: { message: { error: 'an admin token is required (Authorization: Bearer ...)' } },
      invalidToken: { message: { error: 'the admin token is not valid' } },
      invalidAuthenticationHeader: { message: { error: 'the Authorization header must be "Bearer <token>"' } },
    }),
  )
  app.get('/metrics', async (c) => {
    c.header('Content-Type', s.metrics.registry.contentType)
    return c.body(await s.metrics.registry.metrics())
  })
  return app
}

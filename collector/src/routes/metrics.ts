import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'
import { requireToken } from './auth.ts'

/** What `metricsRoutes` uses of the collector's services. */
export type MetricsRouteDeps = Pick<Services, 'metrics' | 'tokens'>

/** `GET /metrics`: Prometheus text format, for the admin token (Authorization: Bearer). */
export function metricsRoutes(s: MetricsRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  app.use('/metrics', requireToken(s, ['admin']))
  app.get('/metrics', async (c) => {
    c.header('Content-Type', s.metrics.registry.contentType)
    return c.body(await s.metrics.registry.metrics())
  })
  return app
}

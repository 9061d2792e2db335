import { Hono } from 'hono'
import type { Env } from '../context.ts'
import { GPC_LAST_UPDATE, TRACKING_STATUS } from '../privacy/policy.ts'

/**
 * The W3C tracking status resource (`/.well-known/dnt/`, Tellen does not track: `N`) and the Global
 * Privacy Control support resource (`/.well-known/gpc.json`).
 */
export function wellKnownRoutes(): Hono<Env> {
  const app = new Hono<Env>()
  const trackingStatus = () =>
    new Response(JSON.stringify({ tracking: TRACKING_STATUS }), {
      headers: { 'content-type': 'application/tracking-status+json', 'cache-control': 'public, max-age=86400' },
    })
  app.get('/.well-known/dnt/', trackingStatus)
  app.get('/.well-known/dnt', trackingStatus)
  app.get('/.well-known/gpc.json', (c) => {
    c.header('cache-control', 'public, max-age=86400')
    return c.json({ gpc: true, lastUpdate: GPC_LAST_UPDATE })
  })
  return app
}

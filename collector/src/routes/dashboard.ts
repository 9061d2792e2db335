import { Hono, type Context } from 'hono'
import { accepts } from 'hono/accepts'
import { etag } from 'hono/etag'
import { secureHeaders } from 'hono/secure-headers'
import { dashboardAssets, type DashboardFile } from '../assets/dashboard.ts'
import type { Env, Services } from '../context.ts'

/**
 * The dashboard's Content-Security-Policy: its own script and style sheet only (no inline code),
 * requests to its own origin only, frames of https pages only (a site's page under the heatmaps), and
 * no framing of the dashboard itself.
 */
export const DASHBOARD_CSP = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  // The heatmaps may be drawn over a site's live page (https only), in a sandboxed frame.
  frameSrc: ['https:'],
  connectSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'none'"],
  frameAncestors: ["'none'"],
}

/** What `dashboardRoutes` uses of the collector's services. */
export type DashboardRouteDeps = Pick<Services, 'log'>

/**
 * `GET /`: the start page. `GET /dashboard`: the analyst's page (no-cache, revalidated by ETag), and
 * `GET /dashboard/assets/<name>.<hash>.<ext>`: its script and style sheet, cached for a year.
 * The page holds no data: it asks for a token and reads `/api/stats/*` with it.
 */
export function dashboardRoutes(s: DashboardRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  // Build while the collector starts, so the first visit does not wait for esbuild.
  dashboardAssets().catch((err: Error) => s.log.error({ err: err.message }, 'dashboard build failed'))

  const send = (c: Context<Env>, f: DashboardFile, cacheControl: string) => {
    // Negotiated with q-values: `gzip;q=0` refuses gzip.
    const gzip = accepts(c, { header: 'Accept-Encoding', supports: ['gzip', 'identity'], default: 'identity' }) === 'gzip'
    c.header('Content-Type', f.type)
    c.header('Cache-Control', cacheControl)
    c.header('Vary', 'Accept-Encoding')
    c.header('ETag', gzip ? `${f.etag.slice(0, -1)}-gz"` : f.etag)
    if (gzip) c.header('Content-Encoding', 'gzip')
    return c.body((gzip ? f.gzip : f.body) as Uint8Array<ArrayBuffer>)
  }
  const headers = secureHeaders({ contentSecurityPolicy: DASHBOARD_CSP, referrerPolicy: 'no-referrer', xFrameOptions: 'DENY' })

  app.use('/dashboard', headers, etag())
  app.use('/dashboard/*', headers, etag())
  app.get('/dashboard', async (c) => send(c, (await dashboardAssets()).html, 'no-cache'))
  // The start page: what Tellen is, the collector's health, the dashboard, and for the admin the sites.
  app.use('/', headers, etag())
  app.get('/', async (c) => send(c, (await dashboardAssets()).home, 'no-cache'))
  // The query is kept (a shared link is `/dashboard/?site=...#share=...`; browsers keep the fragment).
  app.get('/dashboard/', (c) => c.redirect(`/dashboard${new URL(c.req.url).search}`, 301))
  app.get('/dashboard/assets/:name', async (c) => {
    const f = (await dashboardAssets()).assets.get(c.req.param('name'))
    if (!f) return c.json({ error: `no dashboard asset ${c.req.param('name')}` }, 404)
    return send(c, f, 'public, max-age=31536000, immutable')
  })
  return app
}

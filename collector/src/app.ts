import type { HttpBindings } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { Hono, type ErrorHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { cors } from 'hono/cors'
import type { Env, Services } from './context.ts'
import { clientNetwork } from './ingest/ip.ts'
import { adminRoutes } from './routes/admin.ts'
import { dashboardRoutes } from './routes/dashboard.ts'
import { demoRoutes } from './routes/demo.ts'
import { exportRoutes } from './routes/export.ts'
import { exportAdminRoutes } from './routes/exports-admin.ts'
import { allowedOrigin, eventRoutes } from './routes/event.ts'
import { securityHeaders } from './security-headers.ts'
import { healthRoutes } from './routes/health.ts'
import { privacyRoutes } from './routes/privacy.ts'
import { siteRoutes } from './routes/sites.ts'
import { wellKnownRoutes } from './routes/well-known.ts'
import { TRACKING_STATUS } from './privacy/policy.ts'
import { optOutSignal } from './privacy/opt-out.ts'
import { sdkRoutes } from './routes/sdk.ts'
import { testPageRoutes } from './routes/test-pages.ts'
import { metricsRoutes } from './routes/metrics.ts'
import { statsSitesRoutes } from './routes/stats-sites.ts'
import { statsRoutes } from './routes/stats.ts'
import { pageFrameRoutes } from './routes/page-frame.ts'
import { tokenRoutes } from './routes/tokens.ts'
import { goalRoutes } from './routes/goals.ts'
import { shareRoutes } from './routes/shares.ts'

/**
 * The collector's HTTP application. Every response carries security headers and `Tk: N`; errors are
 * JSON without stack traces; request lines log the truncated prefix, never the address.
 */
export function createApp(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  const onError: ErrorHandler<Env> = (err, c) => {
    if (err instanceof HTTPException) return err.getResponse()
    s.log.error({ path: c.req.path, err: err.message }, 'request failed')
    return c.json({ error: 'internal error' }, 500)
  }
  // The ingest endpoint comes first: it answers whole, without the middleware below.
  const ingest = eventRoutes(s)
  ingest.onError(onError)
  app.route('/', ingest)

  app.use(async (c, next) => {
    const started = performance.now()
    let socket: string | undefined
    try {
      socket = getConnInfo(c).remote.address
    } catch {
      socket = undefined
    }
    // Only the prefix is kept for the request line; no route after this one needs the address.
    c.set('ipPrefix', clientNetwork(socket, c.req.header('x-forwarded-for'), s.config).ipPrefix)
    await next()
    // Set on the response's headers in place: c.header() after next() would rebuild the response.
    c.res.headers.set('Tk', TRACKING_STATUS)
    // A partner download leaves only its audit record (token id, dataset, span, rows, time): no request line.
    if (s.log.isLevelEnabled('info') && !c.req.path.startsWith('/api/export/')) {
      // A visitor who opted out leaves not even a prefix in the log.
      const prefix = optOutSignal((name) => c.req.header(name)) ? undefined : c.var.ipPrefix
      s.log.info({ method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started), prefix }, 'request')
    }
  })
  app.use(securityHeaders())
  // CORS preflights of the ingest endpoint; its POST answers carry the same headers themselves.
  app.use(
    '/api/event',
    cors({
      origin: (origin) => (allowedOrigin(s, origin) ? origin : null),
      allowMethods: ['POST', 'OPTIONS'],
      allowHeaders: ['Content-Type'],
      maxAge: 86_400,
    }),
  )

  app.route('/', healthRoutes(s))
  app.route('/', adminRoutes(s))
  app.route('/', privacyRoutes(s))
  app.route('/', siteRoutes(s))
  app.route('/', wellKnownRoutes())
  app.route('/', sdkRoutes())
  app.route('/', testPageRoutes(s.config.testPages))
  app.route('/', metricsRoutes(s))
  app.route('/', tokenRoutes(s))
  app.route('/', goalRoutes(s))
  app.route('/', shareRoutes(s))
  app.route('/', demoRoutes(s))
  app.route('/', statsSitesRoutes(s))
  app.route('/', statsRoutes(s))
  app.route('/', pageFrameRoutes(s))
  app.route('/', exportRoutes(s))
  app.route('/', exportAdminRoutes(s))
  app.route('/', dashboardRoutes(s))

  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404))
  app.onError(onError)

  // Requests from Node for exactly `POST /api/event` go to the ingest routes directly. The app's
  // router is Hono's trie router (its RegExpRouter cannot take `/api/stats/:site/...` beside
  // `/api/stats/sites`), which collects and sorts the handlers of ~60 routes on every request:
  // about 3-4 µs of a one-event request's 70 on the event loop. Anything else, a query string or
  // `app.request` in tests included, goes through the router to the same routes.
  const routed = app.fetch
  app.fetch = (request, env, executionCtx) => {
    const incoming = (env as HttpBindings | undefined)?.incoming
    return incoming?.method === 'POST' && incoming.url === '/api/event' ? ingest.fetch(request, env, executionCtx) : routed(request, env, executionCtx)
  }
  return app
}

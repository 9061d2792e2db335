import type { MiddlewareHandler } from 'hono'
import { cors } from 'hono/cors'

export interface EventCorsOptions {
  /** The origin to allow, or null to allow none, for the Origin header of a request. */
  origin: (origin: string) => string | null
  allowMethods: string[]
  allowHeaders: string[]
  maxAge: number
}

/**
 * CORS for the ingest endpoint: preflights are answered by `hono/cors`; on other requests the
 * same headers (`Access-Control-Allow-Origin` when allowed, `Vary: Origin`) are added to the
 * handler's response in place, so the response is not rebuilt on every event.
 * @example app.use('/api/event', eventCors({ origin: (o) => (o === 'https://example.com' ? o : null), allowMethods: ['POST'], allowHeaders: [], maxAge: 600 }))
 */
export function eventCors(options: EventCorsOptions): MiddlewareHandler {
  const preflight = cors(options)
  return async (c, next) => {
    if (c.req.method === 'OPTIONS') return preflight(c, next)
    const allowed = options.origin(c.req.header('origin') ?? '')
    await next()
    if (allowed) c.res.headers.set('Access-Control-Allow-Origin', allowed)
    c.res.headers.append('Vary', 'Origin')
  }
}

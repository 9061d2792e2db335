import type { HttpBindings } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { limitBody } from '../body-limit.ts'
import type { Env, Services } from '../context.ts'
import { clientNetwork, type ClientIp } from '../ingest/ip.ts'
import { processBatch, type PipelineDeps } from '../ingest/pipeline.ts'
import { belongsToSite, hostOf } from '../ingest/url.ts'
import { WriterFullError } from '../ingest/writer.ts'
import { optOutSignal, utcHour } from '../privacy/opt-out.ts'
import { utcDay } from '../ingest/visitor.ts'
import { TRACKING_STATUS } from '../privacy/policy.ts'
import { SECURITY_HEADERS } from '../security-headers.ts'

const ACCEPTED_TYPES = ['text/plain', 'application/json']

/** Headers of every answer of the endpoint, built once: security headers, `Tk` and `Vary: Origin`. */
const BASE_HEADERS: Readonly<Record<string, string>> = {
  ...SECURITY_HEADERS,
  'content-type': 'application/json',
  tk: TRACKING_STATUS,
  vary: 'Origin',
}

/** CORS headers for the site's own origin; Retry-After is exposed so the script can wait as long as asked. */
const CORS_HEADERS = (origin: string) => ({ 'access-control-allow-origin': origin, 'access-control-expose-headers': 'Retry-After' })

/** A request header from Node's parsed headers (cheap), or from the web request under `app.request`. */
function headerReader(c: Context<Env>): (name: string) => string | undefined {
  const raw = (c.env as HttpBindings | undefined)?.incoming?.headers
  if (!raw) return (name) => c.req.header(name)
  return (name) => {
    const v = raw[name.toLowerCase()]
    return Array.isArray(v) ? v.join(', ') : v
  }
}

/** Builds the answer; a refused request (not 2xx) names its reason, for the log's counts. */
type Reply = (status: number, payload: unknown, extra?: Record<string, string>, reason?: string) => Response

/** True when `origin` is an http(s) origin on one of the registered sites. */
export function allowedOrigin(s: Services, origin: string | undefined): boolean {
  if (!origin) return false
  const host = hostOf(origin)
  return host !== '' && s.sites.all().some((site) => belongsToSite(host, site.domain))
}

/**
 * `POST /api/event`: takes a batch of events from the SDK (text/plain from sendBeacon, or JSON),
 * answers 202 with how many were accepted and which were not, by index. It is the hot path: it
 * reads Node's headers directly and builds each answer whole (security headers, `Tk`, CORS), so
 * it is mounted before the app's middleware and logs its own request line.
 */
export function eventRoutes(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  const reject = (site: string, reason: string, ipPrefix: string, count = 1, now = Date.now()) => {
    s.metrics.rejected.inc({ reason }, count)
    s.rejections.add({ site, day: utcDay(now), reason, ip_prefix: ipPrefix }, count)
  }
  const deps: PipelineDeps = {
    site: (d) => s.sites.get(d),
    saltFor: s.salts.saltFor,
    ipv4Prefix: s.config.ipv4Prefix,
    ipv6Prefix: s.config.ipv6Prefix,
    isSpamReferrer: s.isSpamReferrer,
  }

  app.post(
    '/api/event',
    limitBody({
      maxSize: s.config.maxBodyBytes,
      onError: () => {
        s.refusals.refused(413, 'too_large')
        return new Response(JSON.stringify({ error: `body is larger than ${s.config.maxBodyBytes} bytes` }), { status: 413, headers: BASE_HEADERS })
      },
    }),
    async (c) => {
      const started = performance.now()
      const header = headerReader(c)
      const socket = (c.env as HttpBindings | undefined)?.incoming?.socket?.remoteAddress
      const { ip, ipPrefix } = clientNetwork(socket, header('x-forwarded-for'), s.config)
      const origin = header('origin')
      const signal = optOutSignal(header)
      const corsOrigin = allowedOrigin(s, origin) ? origin : undefined

      const reply: Reply = (status, payload, extra, reason = '') => {
        // Refused requests are counted for the info summary; every request line is debug, so a flood
        // of refused requests cannot flood the log.
        if (status >= 300) s.refusals.refused(status, reason)
        if (s.log.isLevelEnabled('debug')) {
          // A visitor who opted out, or whose request could not be taken at all, leaves not even a prefix in the log.
          const prefix = signal || reason === 'no_salt' ? undefined : ipPrefix
          s.log.debug({ method: 'POST', path: '/api/event', status, ...(reason ? { reason } : {}), ms: Math.round(performance.now() - started), prefix }, 'request')
        }
        const headers = corsOrigin || extra ? { ...BASE_HEADERS, ...(corsOrigin ? CORS_HEADERS(corsOrigin) : {}), ...extra } : BASE_HEADERS
        return new Response(JSON.stringify(payload), { status, headers })
      }

      try {
        return await ingest(c, header, ip, ipPrefix, origin, signal, reply)
      } catch (err) {
        // A client that went away before its body arrived (a tab closed, a phone out of reach) is
        // not a failure of the collector: its request line says so, no error is logged.
        const incoming = (c.env as HttpBindings | undefined)?.incoming
        if (incoming?.readableAborted || incoming?.destroyed) return reply(400, { error: 'the request body was cut off' }, undefined, 'cut_off')
        s.log.error({ path: '/api/event', err: (err as Error).message }, 'request failed')
        return reply(500, { error: 'internal error' }, undefined, 'error')
      }
    },
  )

  async function ingest(
    c: Context<Env>,
    header: (name: string) => string | undefined,
    ip: ClientIp | undefined,
    ipPrefix: string,
    origin: string | undefined,
    signal: 'gpc' | 'dnt' | undefined,
    reply: Reply,
  ): Promise<Response> {
    const contentType = (header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (contentType && !ACCEPTED_TYPES.includes(contentType)) {
      return reply(415, { error: `content type ${contentType} is not accepted; send text/plain or application/json` }, undefined, 'content_type')
    }
    const encoding = header('content-encoding')?.trim().toLowerCase()
    if (encoding && encoding !== 'identity') {
      return reply(415, { error: `content encoding ${encoding} is not accepted; send the body uncompressed` }, undefined, 'content_encoding')
    }
    const now = Date.now()
    const text = await c.req.text()
    if (signal) {
      // The visitor asked not to be tracked: nothing of the request is kept but one count for the site and hour.
      let site: unknown
      try {
        site = (JSON.parse(text) as { site?: unknown } | null)?.site
      } catch {
        site = undefined
      }
      const known = typeof site === 'string' ? s.sites.get(site.toLowerCase()) : undefined
      if (known) s.honoured.add({ site: known.domain, hour: utcHour(now) })
      return reply(202, { accepted: 0, honoured: signal })
    }
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      reject('', 'invalid', ipPrefix)
      return reply(400, { error: 'body is not valid JSON' }, undefined, 'invalid')
    }
    if (!s.salts.ready(now)) {
      // Today's salt was never read (ClickHouse was away across more than a day): no visitor code
      // can be made, so nothing of the request is kept, not even a count with its prefix.
      const events = (body as { events?: unknown } | null)?.events
      s.metrics.rejected.inc({ reason: 'unavailable' }, Array.isArray(events) ? events.length : 1)
      return reply(503, { error: 'the collector cannot take events right now (it cannot read its daily salt from ClickHouse); retry later' }, { 'retry-after': '30' }, 'no_salt')
    }
    const named = (body as { site?: unknown } | null)?.site
    const known = typeof named === 'string' ? s.sites.get(named.toLowerCase())?.domain : undefined
    const limited = await s.rateLimits.check(ipPrefix, known)
    if (!limited.ok) {
      reject(known ?? '', 'rate_limited', ipPrefix, 1, now)
      const who = limited.scope === 'prefix' ? 'from your network' : `for site ${known}`
      return reply(429, { error: `too many requests ${who}; retry in ${limited.retryAfterSeconds} s` }, { 'retry-after': String(limited.retryAfterSeconds) }, 'rate_limited')
    }
    const result = processBatch(body, { ip, ipPrefix, userAgent: header('user-agent') ?? '', origin: origin ?? header('referer'), now }, deps)
    if (!result.ok) {
      reject(result.site ?? '', result.reason, result.ipPrefix, 1, now)
      return reply(result.status, { error: result.error }, undefined, result.reason)
    }
    if (result.dropped) {
      reject(result.site, result.dropped.reason, result.ipPrefix, result.dropped.events, now)
      return reply(202, { accepted: 0, dropped: result.dropped.events, reason: result.dropped.reason })
    }
    if (result.spam) reject(result.site, 'spam', result.ipPrefix, result.spam, now)
    if (result.errors.length) reject(result.site, 'invalid', result.ipPrefix, result.errors.length, now)
    if (result.rows.length === 0 && result.spam && !result.errors.length) {
      return reply(202, { accepted: 0, dropped: result.spam, reason: 'spam' })
    }
    if (result.rows.length === 0) {
      return reply(400, { error: 'no event in the batch is valid', accepted: 0, errors: result.errors }, undefined, 'invalid')
    }
    try {
      await s.events.write(result.rows)
    } catch (err) {
      if (err instanceof WriterFullError) {
        s.metrics.rejected.inc({ reason: 'unavailable' }, result.rows.length)
        return reply(503, { error: `the collector cannot take more events right now (${err.message}); retry later` }, { 'retry-after': '30' }, 'spool_full')
      }
      throw err
    }
    s.metrics.accepted.inc({ site: result.site }, result.rows.length)
    return reply(202, result.errors.length ? { accepted: result.rows.length, errors: result.errors } : { accepted: result.rows.length })
  }
  return app
}

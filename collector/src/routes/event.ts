import type { HttpBindings } from '@hono/node-server'
import { Hono, type Context } from 'hono'
import { limitBody } from '../body-limit.ts'
import type { Env, Services } from '../context.ts'
import { answerOf, countDrop, isDrop } from '../ingest/drop.ts'
import { clientNetwork } from '../ingest/ip.ts'
import { ingest, type IngestDeps } from '../ingest/pipeline.ts'
import { createRepeatFilter } from '../ingest/steps/once.ts'
import { hostOf, belongsToSite } from '../ingest/url.ts'
import { optOutSignal, utcHour, type OptOutSignal } from '../privacy/opt-out.ts'
import { TRACKING_STATUS } from '../privacy/policy.ts'
import { SECURITY_HEADERS } from '../security-headers.ts'

/** What the ingest endpoint uses of the collector's services. */
export type EventRouteDeps = Pick<Services, 'config' | 'log' | 'sites' | 'salts' | 'events' | 'rejections' | 'honoured' | 'metrics' | 'rateLimits' | 'refusals' | 'isSpamReferrer'>

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

/** True when `origin` is an http(s) origin on one of the registered sites. */
export function allowedOrigin(s: Pick<Services, 'sites'>, origin: string | undefined): boolean {
  if (!origin) return false
  const host = hostOf(origin)
  return host !== '' && s.sites.all().some((site) => belongsToSite(host, site.domain))
}

/** What an answer of the endpoint needs of its request. */
interface Asked {
  /** `performance.now()` when the request came. */
  started: number
  signal: OptOutSignal | undefined
  ipPrefix: string
  /** The request's origin when it is one of the registered sites' (the answer then allows it). */
  corsOrigin: string | undefined
}

/**
 * Builds an answer whole: security headers, `Tk`, CORS for a registered site's origin, and `extra`
 * (Retry-After); logs its request line at debug level and counts a refusal (not 2xx) by `reason`.
 */
function reply(s: Pick<Services, 'log' | 'refusals'>, asked: Asked, status: number, payload: unknown, extra?: Record<string, string>, reason = ''): Response {
  // Refused requests are counted for the info summary; every request line is debug, so a flood
  // of refused requests cannot flood the log.
  if (status >= 300) s.refusals.refused(status, reason)
  if (s.log.isLevelEnabled('debug')) {
    // A visitor who opted out, or whose request could not be taken at all, leaves not even a prefix in the log.
    const prefix = asked.signal || reason === 'no_salt' ? undefined : asked.ipPrefix
    s.log.debug({ method: 'POST', path: '/api/event', status, ...(reason ? { reason } : {}), ms: Math.round(performance.now() - asked.started), prefix }, 'request')
  }
  const { corsOrigin } = asked
  const headers = corsOrigin || extra ? { ...BASE_HEADERS, ...(corsOrigin ? CORS_HEADERS(corsOrigin) : {}), ...extra } : BASE_HEADERS
  return new Response(JSON.stringify(payload), { status, headers })
}

/**
 * `POST /api/event`: reads the request, hands it to the ingest pipeline (ingest/pipeline.ts) and
 * answers from what it returns: 202 with how many events were accepted and which were not, by
 * index, or the status and reason of a drop. It is the hot path: it reads Node's headers directly
 * and builds each answer whole (security headers, `Tk`, CORS), so it is mounted before the app's
 * middleware and logs its own request line.
 */
export function eventRoutes(s: EventRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  const deps: IngestDeps = {
    site: (d) => s.sites.get(d),
    saltFor: s.salts.saltFor,
    saltReady: (now) => s.salts.ready(now),
    ipv4Prefix: s.config.ipv4Prefix,
    ipv6Prefix: s.config.ipv6Prefix,
    isSpamReferrer: s.isSpamReferrer,
    rateLimits: s.rateLimits,
    countOptOut: (site, now) => s.honoured.add({ site, hour: utcHour(now) }),
    repeats: createRepeatFilter(),
    write: (rows) => s.events.write(rows),
  }
  const counters = { rejected: s.metrics.rejected, rejections: s.rejections }

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

      const asked: Asked = { started, signal, ipPrefix, corsOrigin }

      try {
        const now = Date.now()
        const outcome = await ingest(
          {
            contentType: header('content-type'), contentEncoding: header('content-encoding'), text() { return c.req.text() },
            signal, ip, ipPrefix, userAgent: header('user-agent') ?? '', origin: origin ?? header('referer'), now,
          },
          deps,
        )
        if (isDrop(outcome)) {
          countDrop(outcome, ipPrefix, now, counters)
          const answer = answerOf(outcome)
          return reply(s, asked, answer.status, answer.body, answer.headers, answer.status >= 300 ? outcome.reason : '')
        }
        for (const d of outcome.drops) countDrop(d, ipPrefix, now, counters)
        s.metrics.accepted.inc({ site: outcome.site }, outcome.rows.length)
        return reply(s, asked, 202, outcome.errors.length ? { accepted: outcome.rows.length, errors: outcome.errors } : { accepted: outcome.rows.length })
      } catch (err) {
        // A client that went away before its body arrived (a tab closed, a phone out of reach) is
        // not a failure of the collector: its request line says so, no error is logged.
        const incoming = (c.env as HttpBindings | undefined)?.incoming
        if (incoming?.readableAborted || incoming?.destroyed) return reply(s, asked, 400, { error: 'the request body was cut off' }, undefined, 'cut_off')
        s.log.error({ path: '/api/event', err: (err as Error).message }, 'request failed')
        return reply(s, asked, 500, { error: 'internal error' }, undefined, 'error')
      }
    },
  )
  return app
}

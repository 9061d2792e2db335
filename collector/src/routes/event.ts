import { Hono } from 'hono'
import { limitBody } from '../body-limit.ts'
import type { Env, Services } from '../context.ts'
import { processBatch } from '../ingest/pipeline.ts'
import { countRejection } from '../ingest/rejections.ts'
import { WriterFullError } from '../ingest/writer.ts'
import { honouredRow, optOutSignal } from '../privacy/opt-out.ts'

const ACCEPTED_TYPES = ['text/plain', 'application/json']

/**
 * `POST /api/event`: takes a batch of events from the SDK (text/plain from sendBeacon, or JSON),
 * answers 202 with how many were accepted and which were not, by index.
 */
export function eventRoutes(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  const reject = (site: string, reason: string, ipPrefix: string, count = 1, now = Date.now()) => {
    s.metrics.rejected.inc({ reason }, count)
    countRejection(s.rejections, site, reason, ipPrefix, count, now)
  }
  app.post(
    '/api/event',
    limitBody({
      maxSize: s.config.maxBodyBytes,
      onError: (c) => c.json({ error: `body is larger than ${s.config.maxBodyBytes} bytes` }, 413),
    }),
    async (c) => {
      const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
      if (contentType && !ACCEPTED_TYPES.includes(contentType)) {
        return c.json({ error: `content type ${contentType} is not accepted; send text/plain or application/json` }, 415)
      }
      const now = Date.now()
      const text = await c.req.text()
      const signal = optOutSignal((name) => c.req.header(name))
      if (signal) {
        // The visitor asked not to be tracked: nothing of the request is kept but one count for the site and hour.
        let site: unknown
        try {
          site = (JSON.parse(text) as { site?: unknown } | null)?.site
        } catch {
          site = undefined
        }
        const known = typeof site === 'string' ? s.sites.get(site.toLowerCase()) : undefined
        if (known) s.honoured.write([honouredRow(known.domain, now)]).catch(() => undefined)
        return c.json({ accepted: 0, honoured: signal }, 202)
      }
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {
        reject('', 'invalid', c.var.ipPrefix)
        return c.json({ error: 'body is not valid JSON' }, 400)
      }
      const named = (body as { site?: unknown } | null)?.site
      const known = typeof named === 'string' ? s.sites.get(named.toLowerCase())?.domain : undefined
      const limited = await s.rateLimits.check(c.var.ipPrefix, known)
      if (!limited.ok) {
        reject(known ?? '', 'rate_limited', c.var.ipPrefix, 1, now)
        c.header('Retry-After', String(limited.retryAfterSeconds))
        const who = limited.scope === 'prefix' ? 'from your network' : `for site ${known}`
        return c.json({ error: `too many requests ${who}; retry in ${limited.retryAfterSeconds} s` }, 429)
      }
      const result = processBatch(
        body,
        { ip: c.var.ip, userAgent: c.req.header('user-agent') ?? '', origin: c.req.header('origin') ?? c.req.header('referer'), now },
        { site: (d) => s.sites.get(d), saltFor: s.salts.saltFor, ipv4Prefix: s.config.ipv4Prefix, ipv6Prefix: s.config.ipv6Prefix, isSpamReferrer: s.isSpamReferrer },
      )
      if (!result.ok) {
        reject(result.site ?? '', result.reason, result.ipPrefix, 1, now)
        return c.json({ error: result.error }, result.status)
      }
      if (result.dropped) {
        reject(result.site, result.dropped.reason, result.ipPrefix, result.dropped.events, now)
        return c.json({ accepted: 0, dropped: result.dropped.events, reason: result.dropped.reason }, 202)
      }
      if (result.spam) reject(result.site, 'spam', result.ipPrefix, result.spam, now)
      if (result.errors.length) reject(result.site, 'invalid', result.ipPrefix, result.errors.length, now)
      if (result.rows.length === 0 && result.spam && !result.errors.length) {
        return c.json({ accepted: 0, dropped: result.spam, reason: 'spam' }, 202)
      }
      if (result.rows.length === 0) {
        return c.json({ error: 'no event in the batch is valid', accepted: 0, errors: result.errors }, 400)
      }
      try {
        await s.events.write(result.rows)
      } catch (err) {
        if (err instanceof WriterFullError) {
          s.metrics.rejected.inc({ reason: 'unavailable' }, result.rows.length)
          c.header('Retry-After', '30')
          return c.json({ error: `the collector cannot take more events right now (${err.message}); retry later` }, 503)
        }
        throw err
      }
      s.metrics.accepted.inc({ site: result.site }, result.rows.length)
      return c.json(result.errors.length ? { accepted: result.rows.length, errors: result.errors } : { accepted: result.rows.length }, 202)
    },
  )
  return app
}

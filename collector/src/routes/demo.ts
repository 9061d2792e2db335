import { Hono } from 'hono'
import { stream } from 'hono/streaming'
import type { Env, Services } from '../context.ts'
import { demoOptionsSchema } from '../demo/options.ts'
import { registerDemoSite, runDemo } from '../demo/run.ts'
import { requireToken } from './auth.ts'

/** What `demoRoutes` uses of the collector's services. */
export type DemoRouteDeps = Pick<Services, 'db' | 'sites' | 'events' | 'visits' | 'log' | 'tokens' | 'rejections'>

/**
 * `POST /api/admin/demo` `{"site", "days", "events"}`: generates demo traffic in this server (which
 * owns the database) and streams progress as NDJSON lines `{"events": n}`, then `{"done": true, ...}`.
 */
export function demoRoutes(s: DemoRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  app.post('/api/admin/demo', requireToken(s, ['admin']), async (c) => {
    const parsed = demoOptionsSchema.safeParse(await c.req.json().catch(() => undefined))
    if (!parsed.success) return c.json({ error: parsed.error.issues[0]?.message ?? 'the body must be JSON: {"site", "days", "events"}' }, 400)
    const o = parsed.data
    c.header('content-type', 'application/x-ndjson')
    return stream(c, async (out) => {
      try {
        await registerDemoSite(s.db, o.site)
        await s.sites.refresh()
        let last = 0
        const result = await runDemo(o, s.events, (events) => {
          if (events - last >= 20_000 || events === 0) {
            last = events
            void out.write(`${JSON.stringify({ events })}\n`)
          }
        }, (refusal, count) => s.rejections.add({ ...refusal }, count))
        await out.write(`${JSON.stringify({ events: result.events, visits: 'cutting' })}\n`)
        await s.visits.runNow()
        await out.write(`${JSON.stringify({ done: true, ...result })}\n`)
      } catch (err) {
        s.log.error({ err: (err as Error).message }, 'demo failed')
        await out.write(`${JSON.stringify({ error: (err as Error).message })}\n`)
      }
    })
  })
  return app
}

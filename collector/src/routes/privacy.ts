import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'
import { describeIssues } from '../ingest/schema.ts'
import { forgetRequestSchema, forgetSite } from '../privacy/forget.ts'

/** `POST /api/admin/forget`: erases a site's data (or some days of it); used by `tellen forget`. */
export function privacyRoutes(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  app.post('/api/admin/forget', async (c) => {
    const body = await c.req.json().catch(() => undefined)
    const parsed = forgetRequestSchema.safeParse(body)
    if (!parsed.success) return c.json({ error: body === undefined ? 'body is not valid JSON' : describeIssues(parsed.error) }, 400)
    await Promise.all([s.events.flush(), s.rejections.flush(), s.honoured.flush()])
    const result = await forgetSite(s.db, parsed.data)
    s.log.info({ site: result.site, from: parsed.data.from, to: parsed.data.to, tables: result.tables.length }, 'site data erased')
    return c.json(result)
  })
  return app
}

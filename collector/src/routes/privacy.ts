import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'
import { describeIssues } from '../ingest/schema.ts'
import { forgetRequestSchema, forgetSite } from '../privacy/forget.ts'
import { partnerStatement } from '../export/statement.ts'
import { privacyStatement, STATEMENT_LANGUAGES, type StatementLanguage } from '../privacy/statement.ts'

/** What `privacyRoutes` uses of the collector's services. */
export type PrivacyRouteDeps = Pick<Services, 'db' | 'events' | 'rejections' | 'honoured' | 'log' | 'config' | 'visits'>

/**
 * `POST /api/admin/forget`: erases a site's data (or some days of it); used by `tellen forget`.
 * `GET /api/admin/privacy-statement?lang=en|nl`: the statement of the running configuration.
 */
export function privacyRoutes(s: PrivacyRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  app.post('/api/admin/forget', async (c) => {
    const body = await c.req.json().catch(() => undefined)
    const parsed = forgetRequestSchema.safeParse(body)
    if (!parsed.success) return c.json({ error: body === undefined ? 'body is not valid JSON' : describeIssues(parsed.error) }, 400)
    await Promise.all([s.events.flush(), s.rejections.flush(), s.honoured.flush()])
    // Between two passes of the visits job of any collector: no pass writes rows of the site after its deletes.
    const result = await s.visits.exclusive(() => forgetSite(s.db, parsed.data))
    s.log.info({ site: result.site, from: parsed.data.from, to: parsed.data.to, tables: result.tables.length }, 'site data erased')
    return c.json(result)
  })
  // `tellen privacy-statement` asks here, so the statement describes the configuration that runs.
  app.get('/api/admin/privacy-statement', async (c) => {
    const lang = c.req.query('lang') ?? 'en'
    if (!(STATEMENT_LANGUAGES as readonly string[]).includes(lang)) return c.json({ error: `lang must be ${STATEMENT_LANGUAGES.join(' or ')}` }, 400)
    c.header('Content-Type', 'text/markdown; charset=utf-8')
    return c.body(`${privacyStatement(s.config, lang as StatementLanguage)}\n${await partnerStatement(s.db, s.config.exportMinVisitors, lang as StatementLanguage)}`)
  })
  return app
}

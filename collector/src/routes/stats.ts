import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { Env, Services } from '../context.ts'
import { DIMENSIONS, type Dimension } from '../stats/dimensions.ts'
import { filtersOf, MAX_HOURLY_DAYS, ParamError, parseParams, resolveRange, today, type ENDPOINT_PARAMS } from '../stats/params.ts'
import { breakdown } from '../stats/queries/breakdown.ts'
import { calls } from '../stats/queries/calls.ts'
import { errors } from '../stats/queries/errors.ts'
import { exits } from '../stats/queries/exits.ts'
import { interactions } from '../stats/queries/interactions.ts'
import { overview } from '../stats/queries/overview.ts'
import { properties } from '../stats/queries/properties.ts'
import { realtime } from '../stats/queries/realtime.ts'
import { security } from '../stats/queries/security.ts'
import { timeseries } from '../stats/queries/timeseries.ts'
import { vitals } from '../stats/queries/vitals.ts'
import { addDays, type StatsQuery } from '../stats/range.ts'
import { visitsRetentionDays } from '../privacy/retention.ts'
import { listGoals } from '../goals/goals.ts'
import { retainedSpan } from '../stats/event-visits.ts'
import { funnel, parseSteps } from '../stats/queries/funnel.ts'
import { goalConversions } from '../stats/queries/goal-conversions.ts'
import { goalStats } from '../stats/queries/goals.ts'
import { journeys } from '../stats/queries/journeys.ts'
import { requireToken } from './auth.ts'
import { csvAnswers } from './csv-answers.ts'

const fail = (status: 400 | 403, error: string) => new HTTPException(status, { res: Response.json({ error }, { status }) })

/** What `statsRoutes` uses of the collector's services. */
export type StatsRouteDeps = Pick<Services, 'db' | 'sites' | 'tokens' | 'config'>

/**
 * The stats API under `/api/stats/:site/...` for the dashboard and anyone with a read token: every
 * answer comes from the rollups, or from the anonymised events for filters no rollup holds, and says which.
 */
export function statsRoutes(s: StatsRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  app.use('/api/stats/*', requireToken(s, ['admin', 'read']))
  app.use('/api/stats/:site/*', csvAnswers())

  /** The site (known, and within the token's scope), the parsed parameters and the question. */
  function ask<K extends keyof typeof ENDPOINT_PARAMS>(c: Context<Env>, kind: K, maxDays?: (p: { interval?: string }) => number | undefined) {
    const domain = c.req.param('site')!.toLowerCase()
    const principal = c.var.principal
    // The scope is checked first, so a scoped token cannot learn which other sites exist.
    if (principal.kind !== 'admin' && principal.site && principal.site !== domain) {
      throw fail(403, `this token may only read the site ${principal.site}`)
    }
    const site = s.sites.get(domain)
    if (!site) throw fail(400, `site "${domain}" is not registered with this collector`)
    try {
      const { format: _, ...query } = c.req.query()
      const p = parseParams(kind, query)
      const range = resolveRange(p as { from?: string; to?: string }, site.timezone, maxDays?.(p as { interval?: string }))
      const visitsKeptFrom = addDays(today(site.timezone), 1 - visitsRetentionDays(s.config.eventsRetentionDays))
      const q: StatsQuery = { site: site.domain, tz: site.timezone, ...range, filters: filtersOf(p as Record<Dimension, string>), visitsKeptFrom }
      return { p, q }
    } catch (err) {
      if (err instanceof ParamError) throw fail(400, err.message)
      throw err
    }
  }

  app.get('/api/stats/:site/overview', async (c) => c.json(await overview(s.db, ask(c, 'overview').q)))
  app.get('/api/stats/:site/timeseries', async (c) => {
    const { p, q } = ask(c, 'timeseries', (x) => (x.interval === 'hour' ? MAX_HOURLY_DAYS : undefined))
    return c.json(await timeseries(s.db, q, p.metric, p.interval))
  })
  app.get('/api/stats/:site/breakdown/:dimension', async (c) => {
    const dimension = c.req.param('dimension') as Dimension
    if (!DIMENSIONS.includes(dimension)) throw fail(400, `unknown dimension "${dimension}"; one of ${DIMENSIONS.join(', ')}`)
    const { p, q } = ask(c, 'breakdown')
    const goal = p.goal === undefined ? undefined : (await listGoals(s.db, q.site)).find((g) => g.id === p.goal)
    if (p.goal !== undefined && !goal) throw fail(400, `goal "${p.goal}" is not a goal of ${q.site}`)
    const result = await breakdown(s.db, q, dimension, p)
    if (!goal) return c.json(result)
    const conversions = await goalConversions(s.db, q, goal, dimension, result.rows.map((r) => r.value))
    const rows = result.rows.map((r) => ({ ...r, conversions: conversions.get(r.value) ?? 0, conversion_rate: r.visitors ? (conversions.get(r.value) ?? 0) / r.visitors : 0 }))
    return c.json({ ...result, rows, conversions_source: 'events' })
  })
  app.get('/api/stats/:site/goals', async (c) => {
    const { q } = ask(c, 'goals')
    return c.json(await goalStats(s.db, q, await listGoals(s.db, q.site)))
  })
  app.get('/api/stats/:site/funnel', async (c) => {
    const { p, q } = ask(c, 'funnel')
    const steps = (() => {
      try {
        return parseSteps(p.steps)
      } catch (err) {
        throw err instanceof ParamError ? fail(400, err.message) : err
      }
    })()
    return c.json(await funnel(s.db, q, steps, retainedSpan(q, s.config.eventsRetentionDays)))
  })
  app.get('/api/stats/:site/journeys', async (c) => {
    const { p, q } = ask(c, 'journeys')
    if (p.page === undefined) throw fail(400, 'page is required: the path whose journeys to show, e.g. page=/pricing')
    return c.json(await journeys(s.db, q, p.page, p.limit, retainedSpan(q, s.config.eventsRetentionDays)))
  })
  app.get('/api/stats/:site/vitals', async (c) => {
    return c.json(await vitals(s.db, ask(c, 'overview').q))
  })
  app.get('/api/stats/:site/errors', async (c) => {
    const { p, q } = ask(c, 'errors')
    return c.json(await errors(s.db, q, p, p.kind))
  })
  app.get('/api/stats/:site/interactions', async (c) => {
    const { p, q } = ask(c, 'interactions')
    return c.json(await interactions(s.db, q, p.elements))
  })
  app.get('/api/stats/:site/exits', async (c) => {
    const { p, q } = ask(c, 'list')
    return c.json(await exits(s.db, q, p))
  })
  app.get('/api/stats/:site/calls', async (c) => {
    const { p, q } = ask(c, 'list')
    return c.json(await calls(s.db, q, p))
  })
  app.get('/api/stats/:site/properties', async (c) => {
    const { p, q } = ask(c, 'list')
    return c.json(await properties(s.db, q, p))
  })
  app.get('/api/stats/:site/realtime', async (c) => c.json(await realtime(s.db, ask(c, 'realtime').q)))
  app.get('/api/stats/:site/security', async (c) => {
    const { p, q } = ask(c, 'security')
    return c.json(await security(s.db, q, p.limit))
  })
  return app
}

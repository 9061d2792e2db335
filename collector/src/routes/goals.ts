import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'
import { addGoal, GoalError, listGoals, parseGoal, removeGoal } from '../goals/goals.ts'

/** `/api/admin/goals`: define, list and remove the goals of a site (admin token, like every `/api/admin` route); used by `tellen goals`. */
export function goalRoutes(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  app.post('/api/admin/goals', async (c) => {
    try {
      const goal = parseGoal(await c.req.json().catch(() => undefined))
      if (!s.sites.get(goal.site)) return c.json({ error: `site "${goal.site}" is not registered with this collector` }, 400)
      const { site, ...stored } = await addGoal(s.db, goal)
      return c.json({ ...stored, site }, 201)
    } catch (err) {
      if (err instanceof GoalError) return c.json({ error: err.message }, 400)
      throw err
    }
  })
  app.get('/api/admin/goals', async (c) => {
    const site = c.req.query('site')?.trim().toLowerCase()
    if (!site) return c.json({ error: 'site is required: GET /api/admin/goals?site=example.com' }, 400)
    return c.json({ goals: await listGoals(s.db, site) })
  })
  app.delete('/api/admin/goals/:id', async (c) => {
    const id = c.req.param('id')
    if (!(await removeGoal(s.db, id))) return c.json({ error: `no goal has the id ${id}` }, 404)
    return c.body(null, 204)
  })
  return app
}

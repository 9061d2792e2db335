import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'
import { migrate } from '../db/migrate.ts'
import { requireToken } from './auth.ts'

/** What `adminRoutes` uses of the collector's services. */
export type AdminRouteDeps = Pick<Services, 'db' | 'tokens'>

/** The admin API under `/api/admin`, used by the `tellen` CLI while the server owns the database. */
export function adminRoutes(s: AdminRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  // Every route under /api/admin, whichever file registers it, is for the admin token only.
  app.use('/api/admin/*', requireToken(s, ['admin']))
  app.post('/api/admin/migrate', async (c) => c.json({ applied: await migrate(s.db) }))
  return app
}

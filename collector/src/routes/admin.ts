import { Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import type { Env, Services } from '../context.ts'
import { migrate } from '../db/migrate.ts'

/** The admin API under `/api/admin`, used by the `tellen` CLI while the server owns the database. */
export function adminRoutes(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  app.use('/api/admin/*', bearerAuth({ token: s.adminToken, noAuthenticationHeader: { message: { error: 'an admin token is required (Authorization: Bearer ...)' } }, invalidToken: { message: { error: 'the admin token is not valid' } }, invalidAuthenticationHeader: { message: { error: 'the Authorization header must be "Bearer <token>"' } } }))
  app.post('/api/admin/migrate', async (c) => c.json({ applied: await migrate(s.db) }))
  return app
}

import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'

/** `GET /healthz`: the process is up. `GET /readyz`: ClickHouse answers and migrations are applied. */
export function healthRoutes(s: Services): Hono<Env> {
  const app = new Hono<Env>()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    const ping = await s.db.ping()
    const writer = s.events.stats()
    const checks = {
      clickhouse: ping.success ? 'ok' : 'unreachable',
      migrations: s.migrated() ? 'ok' : 'pending',
      writer: writer.failing ? 'failing' : 'ok',
      pendingRows: writer.pendingRows,
    }
    const ready = ping.success && s.migrated()
    return c.json({ status: ready ? 'ready' : 'not ready', ...checks }, ready ? 200 : 503)
  })
  return app
}

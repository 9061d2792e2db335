import fs from 'node:fs'
import { Hono } from 'hono'
import type { Env, Services } from '../context.ts'
import { spoolShares } from '../ingest/spool-budget.ts'

/** Free space on the disk of DATA_DIR below which the spool counts as full. */
const DISK_RESERVE_BYTES = 1024 * 1024

/** What `healthRoutes` uses of the collector's services. */
export type HealthRouteDeps = Pick<Services, 'db' | 'events' | 'config' | 'salts' | 'migrated'>

/**
 * `GET /healthz`: the process is up. `GET /readyz`: whether the collector takes events, with the
 * state of ClickHouse, the migrations and the write-ahead spool. While ClickHouse is away the
 * collector still takes events into the spool (status `degraded`, 200); it is not ready (503) when
 * migrations are missing, the spool is full or the disk it is on is, or today's salt is not loaded
 * (every event would get 503).
 */
export function healthRoutes(s: HealthRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    const ping = await s.db.ping()
    const writer = s.events.stats()
    const diskFreeBytes = await fs.promises.statfs(s.config.dataDir).then((d) => d.bavail * d.bsize, () => undefined)
    const diskFull = diskFreeBytes !== undefined && diskFreeBytes < DISK_RESERVE_BYTES
    const maxBytes = spoolShares(s.config.spoolMaxBytes).events
    const full = writer.spoolBytes + 64 * 1024 >= maxBytes || diskFull
    const salt = s.salts.ready(Date.now())
    const spool = diskFull ? 'disk full' : full ? 'full' : writer.failing ? 'buffering' : 'ok'
    const checks = {
      clickhouse: ping.success ? 'ok' : 'unreachable',
      migrations: s.migrated() ? 'ok' : 'pending',
      writer: writer.failing ? 'failing' : 'ok',
      spool,
      spoolBytes: writer.spoolBytes,
      spoolMaxBytes: maxBytes,
      diskFreeBytes,
      pendingRows: writer.pendingRows,
      salt: salt ? 'ok' : 'missing',
    }
    const ready = s.migrated() && !full && salt
    const status = !ready ? 'not ready' : ping.success && !writer.failing ? 'ready' : 'degraded'
    return c.json({ status, ...checks }, ready ? 200 : 503)
  })
  return app
}

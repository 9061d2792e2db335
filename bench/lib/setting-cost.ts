import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { CLIENT_SETTINGS, openDb } from '../../collector/src/db/client.ts'
import { migrate } from '../../collector/src/db/migrate.ts'
import { breakdown } from '../../collector/src/stats/queries/breakdown.ts'
import { overview } from '../../collector/src/stats/queries/overview.ts'
import type { StatsQuery } from '../../collector/src/stats/range.ts'

/**
 * CPU of a statement on the embedded engine as the collector sends it (`openDb`: each setting only
 * when its value changes), or with EVERY=1 as the client sends it on the engine's own connection
 * (every setting of the client before every statement). Measured for `SELECT 1`, the overview and a
 * breakdown of an empty site (their statements, not their data), as the process's CPU (all threads,
 * the engine's included) over many runs. One process per setting (chdb binds one data directory per
 * process).
 *
 * Usage: tsx bench/lib/setting-cost.ts [runs]   Environment: EVERY=1
 */
const runs = Number(process.argv[2] ?? 300)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-setting-cost-'))
const db = process.env.EVERY
  ? createClient({
      connection: createChdbConnection({ path: path.join(dir, 'clickhouse') }) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'],
      clickhouse_settings: CLIENT_SETTINGS,
    })
  : openDb({ dataDir: dir })
await migrate(db)

const today = new Date().toISOString().slice(0, 10)
const q: StatsQuery = { site: 'example.com', tz: 'Europe/Amsterdam', from: today, to: today, filters: {} }
const cases: [string, () => Promise<unknown>][] = [
  ['SELECT 1', async () => (await db.query({ query: 'SELECT 1', format: 'JSONEachRow' })).json()],
  ['overview', () => overview(db, q)],
  ['breakdown page', () => breakdown(db, q, 'page', { limit: 10, offset: 0 })],
]
for (const [name, run] of cases) {
  for (let i = 0; i < 20; i++) await run()
  const cpu = process.cpuUsage()
  const start = performance.now()
  for (let i = 0; i < runs; i++) await run()
  const used = process.cpuUsage(cpu)
  console.log(`${name}: ${((used.user + used.system) / 1000 / runs).toFixed(2)} ms CPU, ${((performance.now() - start) / runs).toFixed(2)} ms wall per run (${process.env.EVERY ? 'every setting each time' : 'settings once'})`)
}
await db.close()
fs.rmSync(dir, { recursive: true, force: true })

/**
 * Query latency of the stats API's queries on demo data in the embedded engine.
 *
 *   npx tsx bench/query-latency.ts [--events 1000000] [--days 90] [--runs 20] [--data-dir DIR]
 *
 * Loads `--events` demo events for one site over `--days` days through the real pipeline and writer
 * (skipped when --data-dir already holds them), then asks every endpoint's query for the last 30 days,
 * unfiltered and filtered, and prints p50 and p95 per query, the load time and bytes on disk per event.
 */
import { execSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { openDb } from '../collector/src/db/client.ts'
import { migrate } from '../collector/src/db/migrate.ts'
import { registerDemoSite, runDemo } from '../collector/src/demo/run.ts'
import { createBatchWriter } from '../collector/src/ingest/writer.ts'
import { createLogger } from '../collector/src/log.ts'
import type { Filters } from '../collector/src/stats/dimensions.ts'
import { breakdown } from '../collector/src/stats/queries/breakdown.ts'
import { calls } from '../collector/src/stats/queries/calls.ts'
import { errors } from '../collector/src/stats/queries/errors.ts'
import { exits } from '../collector/src/stats/queries/exits.ts'
import { interactions } from '../collector/src/stats/queries/interactions.ts'
import { overview } from '../collector/src/stats/queries/overview.ts'
import { properties } from '../collector/src/stats/queries/properties.ts'
import { realtime } from '../collector/src/stats/queries/realtime.ts'
import { timeseries } from '../collector/src/stats/queries/timeseries.ts'
import { vitals } from '../collector/src/stats/queries/vitals.ts'
import { addDays, type StatsQuery } from '../collector/src/stats/range.ts'
import { runVisitsJob } from '../collector/src/visits/sessionize.ts'

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    days: { type: 'string', default: '90' },
    runs: { type: 'string', default: '20' },
    'data-dir': { type: 'string' },
  },
})
const SITE = 'demo.local'
const events = Number(args.events)
const days = Number(args.days)
const runs = Number(args.runs)
const dataDir = args['data-dir'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-bench-'))

const db = openDb({ dataDir })
await migrate(db)
const stored = Number(((await (await db.query({ query: 'SELECT sum(pageviews) AS n FROM tellen.rollup_site', format: 'JSONEachRow' })).json<{ n: number }>())[0]?.n ?? 0))
let loaded = { events: 0, seconds: 0 }
if (!stored) {
  const started = performance.now()
  await registerDemoSite(db, SITE)
  const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 10_000, flushIntervalMs: 1000 }, createLogger('error'))
  let shown = 0
  const r = await runDemo({ site: SITE, days, events }, writer, (n) => {
    if (n - shown >= events / 10) process.stderr.write(`loaded ${(shown = n)} events\n`)
  })
  await writer.close(120_000)
  await runVisitsJob(db)
  await db.command({ query: 'OPTIMIZE TABLE tellen.rollup_visits FINAL' })
  loaded = { events: r.events, seconds: (performance.now() - started) / 1000 }
}
const bytes = Number(execSync(`du -sb ${JSON.stringify(path.join(dataDir, 'clickhouse'))}`).toString().split('\t')[0])

const to = new Date().toISOString().slice(0, 10)
const base: StatsQuery = { site: SITE, tz: 'UTC', from: addDays(to, -29), to, filters: {} }
const paging = { limit: 10, offset: 0 }
const FILTERS: Record<string, Filters> = {
  unfiltered: {},
  'country=NL&device=mobile': { country: 'NL', device: 'mobile' },
  'source=Google': { source: 'Google' },
  'page=/pricing&country=US': { page: '/pricing', country: 'US' },
}
const QUERIES: Record<string, (q: StatsQuery) => Promise<unknown>> = {
  overview: (q) => overview(db, q),
  'timeseries visitors/day': (q) => timeseries(db, q, 'visitors', 'day'),
  'timeseries bounce_rate/day': (q) => timeseries(db, q, 'bounce_rate', 'day'),
  'breakdown page': (q) => breakdown(db, q, 'page', paging),
  'breakdown source': (q) => breakdown(db, q, 'source', paging),
  'breakdown country': (q) => breakdown(db, q, 'country', paging),
  'breakdown browser': (q) => breakdown(db, q, 'browser', paging),
  'breakdown entry_page': (q) => breakdown(db, q, 'entry_page', paging),
  'breakdown event': (q) => breakdown(db, q, 'event', paging),
  vitals: (q) => vitals(db, q),
  errors: (q) => errors(db, q, paging),
  interactions: (q) => interactions(db, q),
  exits: (q) => exits(db, q, paging),
  calls: (q) => calls(db, q, paging),
  properties: (q) => properties(db, q, paging),
  realtime: (q) => realtime(db, q),
}

const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!
console.log(`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`)
if (loaded.events) console.log(`loaded ${loaded.events} events over ${days} days in ${loaded.seconds.toFixed(1)} s (${Math.round(loaded.events / loaded.seconds)} events/s)`)
console.log(`on disk: ${(bytes / 2 ** 20).toFixed(1)} MiB${loaded.events ? `, ${(bytes / loaded.events).toFixed(1)} bytes per event` : ''}`)
console.log(`range ${base.from} .. ${base.to}, ${runs} runs each\n`)
console.log(`${'query'.padEnd(28)} ${'filter'.padEnd(26)} ${'source'.padEnd(7)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}`)
for (const [filterName, filters] of Object.entries(FILTERS)) {
  for (const [name, run] of Object.entries(QUERIES)) {
    const q = { ...base, filters }
    const { source } = (await run(q)) as { source: string }
    const times: number[] = []
    for (let i = 0; i < runs; i++) {
      const t = performance.now()
      await run(q)
      times.push(performance.now() - t)
    }
    times.sort((a, b) => a - b)
    console.log(`${name.padEnd(28)} ${filterName.padEnd(26)} ${source.padEnd(7)} ${pct(times, 50).toFixed(1).padStart(8)} ${pct(times, 95).toFixed(1).padStart(8)}`)
  }
}
await db.close()

/**
 * Query latency of the stats API's queries on demo data in the embedded engine.
 *
 *   npm run bench -- query-latency
 *   npx tsx bench/query-latency.ts [--events 1000000] [--days 90] [--runs 20] [--data-dir DIR]
 *
 * Loads `--events` demo events for one site over `--days` days through the real pipeline and writer
 * (skipped when --data-dir already holds them), then asks every endpoint's query for the last 30 days,
 * unfiltered and filtered, and reports p50 and p95 per query, the load time and bytes on disk per event.
 */
import { execSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { openDb, type Db } from '../collector/src/db/client.ts'
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
import { benchMain, fmt, progress, type BenchResult } from './lib/harness.ts'

const SITE = 'demo.local'

const FILTERS: Record<string, Filters> = {
  unfiltered: {},
  'country=NL&device=mobile': { country: 'NL', device: 'mobile' },
  'source=Google': { source: 'Google' },
  'page=/pricing&country=US': { page: '/pricing', country: 'US' },
}

const queries = (db: Db): Record<string, (q: StatsQuery) => Promise<{ source: string }>> => {
  const paging = { limit: 10, offset: 0 }
  return {
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
}

/** Loads demo events unless the directory holds some, then measures every query. */
async function measure(): Promise<BenchResult> {
  const { values: args } = parseArgs({
    options: {
      events: { type: 'string', default: '1000000' },
      days: { type: 'string', default: '90' },
      runs: { type: 'string', default: '20' },
      'data-dir': { type: 'string' },
    },
  })
  const events = Number(args.events)
  const days = Number(args.days)
  const runs = Number(args.runs)
  const dataDir = args['data-dir'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-bench-'))
  const db = openDb({ dataDir })
  await migrate(db)
  const notes: string[] = [`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg()[0]!.toFixed(1)} at the start`]
  const [stored] = await (await db.query({ query: 'SELECT sum(pageviews) AS n FROM tellen.rollup_site', format: 'JSONEachRow' })).json<{ n: number }>()
  let loaded = 0
  if (!Number(stored?.n)) {
    const started = performance.now()
    await registerDemoSite(db, SITE)
    const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 10_000, flushIntervalMs: 1000, spoolDir: path.join(dataDir, 'spool', 'events'), maxSpoolBytes: 1024 * 2 ** 20 }, createLogger('error'))
    let shown = 0
    const r = await runDemo({ site: SITE, days, events }, writer, (n) => {
      if (n - shown >= events / 10) progress(`loaded ${(shown = n)} events`)
    })
    await writer.close(120_000)
    await runVisitsJob(db)
    loaded = r.events
    const seconds = (performance.now() - started) / 1000
    notes.push(`loaded ${fmt(loaded)} events over ${days} days in ${seconds.toFixed(1)} s (${fmt(loaded / seconds)} events/s), visits cut`)
  }
  const bytes = Number(execSync(`du -sb ${JSON.stringify(path.join(dataDir, 'clickhouse'))}`).toString().split('\t')[0])
  notes.push(`on disk: ${(bytes / 2 ** 20).toFixed(1)} MiB${loaded ? `, ${(bytes / loaded).toFixed(1)} bytes per event` : ''}`)

  const to = new Date().toISOString().slice(0, 10)
  const base: StatsQuery = { site: SITE, tz: 'UTC', from: addDays(to, -29), to, filters: {} }
  notes.push(`range ${base.from} .. ${base.to}, ${runs} runs each after one warm-up`)
  for (const n of notes) progress(n)
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!
  const table = [`${'query'.padEnd(28)} ${'filter'.padEnd(26)} ${'source'.padEnd(7)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}`]
  const rows: { query: string; filter: string; source: string; p50: number; p95: number }[] = []
  for (const [filter, filters] of Object.entries(FILTERS)) {
    for (const [query, run] of Object.entries(queries(db))) {
      const q = { ...base, filters }
      const { source } = await run(q)
      const times: number[] = []
      for (let i = 0; i < runs; i++) {
        const t = performance.now()
        await run(q)
        times.push(performance.now() - t)
      }
      times.sort((a, b) => a - b)
      rows.push({ query, filter, source, p50: pct(times, 50), p95: pct(times, 95) })
      table.push(`${query.padEnd(28)} ${filter.padEnd(26)} ${source.padEnd(7)} ${pct(times, 50).toFixed(1).padStart(8)} ${pct(times, 95).toFixed(1).padStart(8)}`)
      progress(table.at(-1)!)
    }
  }
  await db.close()
  if (!args['data-dir']) fs.rmSync(dataDir, { recursive: true, force: true })

  const worst = (filtered: boolean) => Math.ceil(Math.max(...rows.filter((r) => (r.filter !== 'unfiltered') === filtered).map((r) => r.p95)))
  const headline = `p95 of every unfiltered endpoint under ${worst(false)} ms, filtered under ${worst(true)} ms${loaded ? ` at ${fmt(loaded)} demo events` : ''} (30-day range)`
  return {
    id: 'query-latency',
    title: 'Stats query latency',
    headline,
    markdown: [
      '## Stats query latency',
      '',
      `**${headline}**.`,
      '',
      "Each endpoint's query for the last 30 days of demo data (one site, loaded through the real pipeline and writer), unfiltered and with filters; `source` says whether the answer came from the rollups or from the anonymised events (filter combinations no rollup holds, within the event retention). More events: `npm run bench:queries -- --events 10000000` (`--data-dir DIR` reuses a loaded directory).",
      '',
      ...notes.map((n) => `- ${n}`),
      '',
      '```',
      ...table,
      '```',
    ].join('\n'),
    data: { events: loaded, bytes, rows },
  }
}

await benchMain(import.meta.url, measure)

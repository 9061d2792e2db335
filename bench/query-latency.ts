/**
 * Query latency of the stats API's queries on demo data in the embedded engine.
 *
 *   npm run bench -- query-latency
 *   npx tsx bench/query-latency.ts [--events 1000000] [--days 90] [--runs 20] [--data-dir DIR] [--bulk | --no-bulk] [--only goals,funnel]
 *
 * Loads `--events` demo events for one site over `--days` days (skipped when --data-dir already holds
 * them), then asks every endpoint's query for the last 30 days, unfiltered and filtered, and reports
 * p50 and p95 per query, the load time and bytes on disk per event. `--only` measures the queries
 * whose names start with one of the given words. Below 10 million events the demo
 * goes through the real pipeline and writer, as `tellen demo` does; from 10 million on (or with
 * --bulk) the same traffic is generated inside the engine (bench/lib/bulk-demo.ts), which takes
 * minutes where the pipeline would take hours.
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
import { funnel, parseSteps } from '../collector/src/stats/queries/funnel.ts'
import { goalStats } from '../collector/src/stats/queries/goals.ts'
import type { Goal } from '../collector/src/goals/goals.ts'
import { addDays, type StatsQuery } from '../collector/src/stats/range.ts'
import { runVisitsJob } from '../collector/src/visits/sessionize.ts'
import { loadBulkDemo } from './lib/bulk-demo.ts'
import { benchMain, fmt, progress, type BenchResult } from './lib/harness.ts'
import { writeSection } from './lib/report.ts'

const SITE = 'demo.local'
/** How the data directory was loaded, written beside it by the run that loaded it. */
const LOAD_NOTE = 'bench-load.txt'

const FILTERS: Record<string, Filters> = {
  unfiltered: {},
  'country=NL&device=mobile': { country: 'NL', device: 'mobile' },
  'source=Google': { source: 'Google' },
  'page=/pricing&country=US': { page: '/pricing', country: 'US' },
}

/** Goals as a site would define them on the demo's pages and events. */
const GOALS: Goal[] = [
  { id: 'pricing', site: SITE, name: 'saw pricing', page: '/pricing' },
  { id: 'docs', site: SITE, name: 'read the docs', page: '/docs/*' },
  { id: 'signup', site: SITE, name: 'signed up', event: 'signup' },
  { id: 'pro', site: SITE, name: 'signed up for pro', event: 'signup', property: { key: 'plan', value: 'pro' } },
]
const FUNNEL = parseSteps('/,/pricing,/docs*,event:signup')

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
    goals: (q) => goalStats(db, q, GOALS),
    'funnel 4 steps': (q) => funnel(db, q, FUNNEL, { from: q.from, to: q.to }),
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
      bulk: { type: 'boolean' },
      'no-bulk': { type: 'boolean' },
      only: { type: 'string' },
    },
  })
  const events = Number(args.events)
  const days = Number(args.days)
  const runs = Number(args.runs)
  const bulk = args['no-bulk'] ? false : (args.bulk ?? events >= 10_000_000)
  const dataDir = args['data-dir'] ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-bench-'))
  const db = openDb({ dataDir })
  await migrate(db)
  const notes: string[] = [`machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, load average ${os.loadavg()[0]!.toFixed(1)} at the start`]
  const [stored] = await (await db.query({ query: 'SELECT sum(pageviews) AS n FROM tellen.rollup_site', format: 'JSONEachRow' })).json<{ n: number }>()
  let loaded = 0
  let loadSeconds = 0
  if (!Number(stored?.n)) {
    const started = performance.now()
    await registerDemoSite(db, SITE)
    if (bulk) {
      await loadBulkDemo(db, { site: SITE, days, events }, (d, n) => {
        if (d % 10 === 0 || d === n) progress(`generated ${d} of ${n} days in the engine (${((performance.now() - started) / 1000).toFixed(0)} s)`)
      })
    } else {
      const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 10_000, flushIntervalMs: 1000, spoolDir: path.join(dataDir, 'spool', 'events'), maxSpoolBytes: 1024 * 2 ** 20 }, createLogger('error'))
      let shown = 0
      await runDemo({ site: SITE, days, events }, writer, (n) => {
        if (n - shown >= events / 10) progress(`loaded ${(shown = n)} events`)
      })
      await writer.close(120_000)
    }
    const inserted = performance.now()
    progress(`inserted in ${((inserted - started) / 1000).toFixed(1)} s, cutting visits`)
    await runVisitsJob(db)
    const visitsSeconds = (performance.now() - inserted) / 1000
    loaded = await loadedEvents(db)
    loadSeconds = (performance.now() - started) / 1000
    const load = `loaded ${fmt(loaded)} events over ${days} days ${bulk ? 'generated in the engine (bench/lib/bulk-demo.ts)' : 'through the pipeline and writer'} in ${loadSeconds.toFixed(1)} s (${fmt(loaded / loadSeconds)} events/s), of which ${visitsSeconds.toFixed(1)} s in the visits job (visits, visit totals, timings and interactions by visit)`
    notes.push(load)
    // Kept beside the data, so that a later run on the same directory still tells how it was loaded.
    fs.writeFileSync(path.join(dataDir, LOAD_NOTE), `${load}, on ${new Date().toISOString().slice(0, 10)}, load average ${os.loadavg()[0]!.toFixed(1)} at the end\n`)
  } else {
    loaded = await loadedEvents(db)
    const note = path.join(dataDir, LOAD_NOTE)
    if (fs.existsSync(note)) notes.push(`this directory was ${fs.readFileSync(note, 'utf8').trim()}`)
  }
  const disk = await diskUse(db)
  const bytes = Number(execSync(`du -sb ${JSON.stringify(path.join(dataDir, 'clickhouse'))}`).toString().split('\t')[0])
  const lasting = bytes - disk.visitEvents - disk.visitDetails
  notes.push(
    `on disk: ${(bytes / 2 ** 20).toFixed(1)} MiB in the data directory, ${(bytes / loaded).toFixed(1)} bytes per loaded event; ` +
      `${(lasting / 2 ** 20).toFixed(1)} MiB, ${(lasting / loaded).toFixed(1)} bytes per loaded event, without the two tables that hold events ` +
      `for two days after insert (here every loaded day, since all were inserted at once)`,
  )
  notes.push(`tellen.events: ${fmt(disk.eventRows)} rows (the last 30 days: older events are dropped at insert by the retention TTL), ${(disk.events / 2 ** 20).toFixed(1)} MiB, ${(disk.events / disk.eventRows).toFixed(1)} bytes per stored event`)
  notes.push(`rollups (every tellen.rollup_* table, visits included): ${(disk.rollups / 2 ** 20).toFixed(1)} MiB, ${(disk.rollups / loaded).toFixed(1)} bytes per loaded event; tellen.visit_events and tellen.visit_details (kept two days after insert, for the visits job): ${(disk.visitEvents / 2 ** 20).toFixed(1)} and ${(disk.visitDetails / 2 ** 20).toFixed(1)} MiB`)

  const to = new Date().toISOString().slice(0, 10)
  const base: StatsQuery = { site: SITE, tz: 'UTC', from: addDays(to, -29), to, filters: {} }
  notes.push(`range ${base.from} .. ${base.to}, ${runs} runs each after one warm-up`)
  for (const n of notes) progress(n)
  const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!
  const table = [`${'query'.padEnd(28)} ${'filter'.padEnd(26)} ${'source'.padEnd(7)} ${'p50 ms'.padStart(8)} ${'p95 ms'.padStart(8)}  target`]
  const targetOf = (filter: string) => (filter === 'unfiltered' ? 100 : 500)
  const rows: { query: string; filter: string; source: string; p50: number; p95: number }[] = []
  for (const [filter, filters] of Object.entries(FILTERS)) {
    const only = args.only?.split(',').filter(Boolean)
    for (const [query, run] of Object.entries(queries(db)).filter(([name]) => !only || only.some((word) => name.startsWith(word)))) {
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
      const p95 = pct(times, 95)
      table.push(`${query.padEnd(28)} ${filter.padEnd(26)} ${source.padEnd(7)} ${pct(times, 50).toFixed(1).padStart(8)} ${p95.toFixed(1).padStart(8)}  ${p95 < targetOf(filter) ? 'met' : 'NOT met'} (< ${targetOf(filter)})`)
      progress(table.at(-1)!)
    }
  }
  await db.close()
  if (!args['data-dir']) fs.rmSync(dataDir, { recursive: true, force: true })

  const worst = (filtered: boolean) => Math.ceil(Math.max(...rows.filter((r) => (r.filter !== 'unfiltered') === filtered).map((r) => r.p95)))
  const kept = (filtered: boolean) => {
    const own = rows.filter((r) => (r.filter !== 'unfiltered') === filtered)
    return `${own.filter((r) => r.p95 < targetOf(r.filter)).length} of ${own.length}`
  }
  const met = (ms: number, target: number) => (ms < target ? `target ${target} met` : `target ${target} not met`)
  const headline =
    `at ${fmt(loaded)} demo events (30-day range): p95 of every unfiltered endpoint under ${worst(false)} ms (${met(worst(false), 100)}; ${kept(false)} under 100), ` +
    `filtered under ${worst(true)} ms (${met(worst(true), 500)}; ${kept(true)} under 500)`
  notes.push(`load average at the end: ${os.loadavg().map((n) => n.toFixed(1)).join(' / ')} (1 / 5 / 15 min; other work on the same 2 cores slows every figure)`)
  // The default run (1 million events) has its section; a large run gets its own, e.g. query-latency-100m.
  const millions = Math.round(events / 1_000_000)
  const id = events >= 10_000_000 ? `query-latency-${millions}m` : 'query-latency'
  const title = events >= 10_000_000 ? `Stats query latency at ${millions} million events` : 'Stats query latency'
  const markdown = [
    `## ${title}`,
    '',
    `**${headline}**.`,
    '',
    "Each endpoint's query for the last 30 days of demo data (one site, " +
      (bulk
        ? "generated in the engine with the demo's distributions by bench/lib/bulk-demo.ts and inserted into tellen.events_in, so every materialized view is fed as in production"
        : 'loaded through the real pipeline and writer') +
      '), unfiltered and with filters; `source` says whether the answer came from the rollups or from the anonymised events (filter combinations no rollup holds, within the event retention). More events: `npm run bench:queries -- --events 10000000` (`--data-dir DIR` reuses a loaded directory).',
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    '```',
    ...table,
    '```',
  ].join('\n')
  // `npm run bench` writes the sections it runs; a large run started by hand records its own.
  if (!process.env.BENCH_RESULT_FILE && events >= 10_000_000) writeSection(id, markdown)
  return { id, title, headline, markdown, data: { events: loaded, bulk, loadSeconds, bytes, disk, rows } }
}

/** Events loaded for the site: those the visits input holds, plus timings and errors from their rollups. */
async function loadedEvents(db: Db): Promise<number> {
  const rs = await db.query({
    query: `SELECT
      (SELECT count() FROM tellen.visit_events WHERE site = {site:String}) AS visit_events,
      (SELECT count() FROM tellen.visit_events WHERE site = {site:String} AND type = 'download') AS downloads,
      (SELECT sum(samples) FROM tellen.rollup_timings WHERE site = {site:String}) AS timings,
      (SELECT sum(count) FROM tellen.rollup_errors WHERE site = {site:String}) AS errors_and_downloads`,
    query_params: { site: SITE },
    format: 'JSONEachRow',
  })
  const [r] = await rs.json<Record<string, string | number>>()
  return Number(r!.visit_events) + Number(r!.timings) + Number(r!.errors_and_downloads) - Number(r!.downloads)
}

/** Bytes on disk of the active parts of the events table, the rollups and the visits input. */
async function diskUse(db: Db): Promise<{ events: number; eventRows: number; rollups: number; visitEvents: number; visitDetails: number }> {
  const rs = await db.query({
    query: `SELECT sumIf(bytes_on_disk, table = 'events') AS events, sumIf(rows, table = 'events') AS event_rows,
      sumIf(bytes_on_disk, startsWith(table, 'rollup_')) AS rollups, sumIf(bytes_on_disk, table = 'visit_events') AS visit_events,
      sumIf(bytes_on_disk, table = 'visit_details') AS visit_details
      FROM system.parts WHERE database = 'tellen' AND active`,
    format: 'JSONEachRow',
  })
  const [r] = await rs.json<Record<string, string | number>>()
  return {
    events: Number(r!.events), eventRows: Number(r!.event_rows), rollups: Number(r!.rollups),
    visitEvents: Number(r!.visit_events), visitDetails: Number(r!.visit_details),
  }
}

await benchMain(import.meta.url, measure)

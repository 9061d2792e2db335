import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { createClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'
import { EMBEDDED_INSERT_SETTINGS, insertJsonLines, insertStatement, openDb } from '../../collector/src/db/client.ts'
import { migrate } from '../../collector/src/db/migrate.ts'
import { EVENT_COLUMNS, eventRowObject } from '../../collector/src/ingest/event-row.ts'
import { parseIp } from '../../collector/src/ingest/ip.ts'
import { processBatch } from '../../collector/src/ingest/pipeline.ts'
import { dedupSettings } from '../../collector/src/ingest/writer.ts'
import { prepareTraffic } from './traffic.ts'

/**
 * CPU cost of the embedded engine's insert per row, apart from HTTP and the pipeline: rows made by
 * `processBatch` from the benches' traffic are inserted into `tellen.events_in` in batches through
 * the writer's `insertLines`, and the process's CPU (all threads, the engine's included) is read
 * around the inserts and over the background merges that follow. One process per setting (chdb
 * binds one data directory per process).
 *
 * Usage: tsx bench/lib/insert-cost.ts [rows per insert] [total rows] [settle seconds]
 * Environment: FORMAT (JSONCompactEachRow, the pipeline's positional rows, by default; JSONEachRow, the
 * same rows as objects without their empty columns; TabSeparated, with SQL_TEXT=1), SETTINGS (JSON of insert
 * settings), TABLE and ENGINE (insert into a table of that engine instead, e.g. `Null` with no
 * views), INLINE=1 (chdb's raw insert: the rows as the inline data of the statement, as the writer
 * did before it wrote them to a file), SQL_TEXT=1 (the rows appended to the statement's text, as before the raw insert),
 * DROP_VIEWS (comma-separated views of `tellen` to drop first, to see what each costs).
 */
const batchRows = Number(process.argv[2] ?? 10_000)
const total = Number(process.argv[3] ?? 100_000)
const settleSeconds = Number(process.argv[4] ?? 5)

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-insert-cost-'))
// With INLINE=1 the bench opens the engine itself, to reach chdb's raw insert (the rows handed over
// as the inline data of an INSERT statement) beside the client.
const inline = process.env.INLINE ? createChdbConnection({ path: path.join(dir, 'clickhouse') }) : undefined
const db = inline
  ? createClient({ connection: inline as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection'], clickhouse_settings: { date_time_input_format: 'best_effort' } })
  : openDb({ dataDir: dir })
await migrate(db)

const salt = Buffer.alloc(32, 7)
const lines: string[] = []
for (const r of prepareTraffic({ site: 'example.com', count: 400, eventsPerRequest: 20, botShare: 0, seed: 11 })) {
  const ip = parseIp(r.headers['x-forwarded-for'])!
  const result = processBatch(JSON.parse(r.body), { ip, userAgent: r.headers['user-agent']!, origin: r.headers.origin, now: Date.now() }, {
    site: (d) => (d === 'example.com' ? { domain: d, timezone: 'UTC', queryAllowlist: new Set<string>() } : undefined),
    saltFor: () => salt,
    ipv4Prefix: 24,
    ipv6Prefix: 48,
  })
  if (result.ok) lines.push(...result.rows)
}
for (const view of (process.env.DROP_VIEWS ?? '').split(',').filter(Boolean)) await db.command({ query: `DROP VIEW tellen.${view}` })
const format = process.env.FORMAT ?? 'JSONCompactEachRow'
const table = process.env.TABLE ?? 'tellen.events_in'
const extra = JSON.parse(process.env.SETTINGS ?? '{}') as Record<string, string | number>
if (table !== 'tellen.events_in') await db.command({ query: `CREATE TABLE ${table} AS tellen.events_in ENGINE = ${process.env.ENGINE ?? 'Null'}` })
const columns = ((await (await db.query({ query: 'DESCRIBE tellen.events_in', format: 'JSONEachRow' })).json()) as { name: string; type: string; default_expression: string }[])
const defaults: Record<string, unknown> = {}
for (const c of columns) defaults[c.name] = /Array/.test(c.type) ? [] : /Map/.test(c.type) ? {} : /String/.test(c.type) ? '' : 0
const tsv = (v: unknown) => typeof v === 'string' ? v.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n') : typeof v === 'object' ? JSON.stringify(v).replace(/"/g, "'").replace(/^\{/, '{').replace(/\}$/, '}') : String(v)
const empty = (v: unknown) => v === '' || v === 0 || (Array.isArray(v) && v.length === 0) || (typeof v === 'object' && v !== null && Object.keys(v).length === 0)
const convert = (line: string): string => {
  if (format === 'JSONCompactEachRow') return line
  const row = eventRowObject(line)
  if (format === 'JSONEachRow') return JSON.stringify(Object.fromEntries(Object.entries(row).filter(([, v]) => !empty(v))))
  const o = { ...defaults, ...row } as Record<string, unknown>
  o.ts = String(o.ts).replace('T', ' ').replace('Z', '')
  return columns.map((c) => tsv(o[c.name])).join('\t')
}
const converted = lines.map(convert)
const rowsFor = (n: number) => Array.from({ length: n }, (_, i) => converted[i % converted.length]!)

/**
 * The writer's insert (a file read by `INSERT ... FROM INFILE`), with INLINE=1 chdb's raw insert, or with
 * SQL_TEXT=1 the statement and rows sent as one query text through the client.
 */
const insertRows = async (rows: string[], token: string) => {
  const settings = { ...dedupSettings(token), ...extra }
  const layout = format === 'JSONCompactEachRow' ? { format: 'JSONCompactEachRow' as const, columns: EVENT_COLUMNS } : { format: 'JSONEachRow' as const }
  if (inline) {
    const columns = layout.format === 'JSONCompactEachRow' ? { columns: [...layout.columns] } : {}
    await inline.chdb.rawInsert({ table, format: layout.format, ...columns, values: Buffer.from(rows.join('\n')), settings: { ...EMBEDDED_INSERT_SETTINGS, ...settings } })
    return
  }
  if (!process.env.SQL_TEXT) return insertJsonLines(db, table, Buffer.from(rows.join('\n')), settings, layout)
  const result = await db.exec({ query: insertStatement(table, layout), values: Readable.from([rows.join('\n')]), clickhouse_settings: settings })
  result.stream.resume()
}

const cpu = () => {
  const u = process.cpuUsage()
  return u.user + u.system
}
let token = 0
// Warm-up: one small insert, then let it settle.
await insertRows(rowsFor(1000), `warm-${token++}`)
await sleep(1000)

const idleStart = cpu()
await sleep(1000)
const idlePerSecond = cpu() - idleStart

const batch = rowsFor(batchRows)
const { monitorEventLoopDelay } = await import('node:perf_hooks')
const lag = monitorEventLoopDelay({ resolution: 5 })
lag.enable()
const started = cpu()
const wall = performance.now()
for (let done = 0; done < total; done += batchRows) {
  await insertRows(batch, `cost-${token++}`)
}
const insertWall = performance.now() - wall
lag.disable()
const insertCpu = cpu() - started
const settleStart = cpu()
await sleep(settleSeconds * 1000)
const settleCpu = cpu() - settleStart - idlePerSecond * settleSeconds

const [count] = await (await db.query({ query: 'SELECT count() AS n FROM tellen.events', format: 'JSONEachRow' })).json<{ n: number }>()
const parts = await (await db.query({
  query: `SELECT count() AS n, countIf(active) AS active, max(level) AS level FROM system.parts WHERE database = 'tellen'`,
  format: 'JSONEachRow',
})).json()
process.stdout.write(`${JSON.stringify({
  format, table, extra, batchRows, total, stored: Number(count?.n),
  insertCpuPerRow: +(insertCpu / total).toFixed(2),
  settleCpuPerRow: +(settleCpu / total).toFixed(2),
  idleCpuPerSecond: Math.round(idlePerSecond),
  insertWallMsPerBatch: +(insertWall / (total / batchRows)).toFixed(1),
  parts,
  maxLagMs: Math.round(lag.max / 1e6),
})}\n`)
await db.close()
fs.rmSync(dir, { recursive: true, force: true })
process.exit(0)

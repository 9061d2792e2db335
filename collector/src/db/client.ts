import { randomUUID } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client'
import { createRequire } from 'node:module'
import { clusterSettings } from './cluster.ts'

export type Db = ClickHouseClient

export interface DbOptions {
  /** A ClickHouse server over HTTP; when unset, the embedded engine opens `dataDir`. */
  url?: string | undefined
  username?: string | undefined
  password?: string | undefined
  dataDir: string
  /** ClickHouse settings sent with every statement besides Tellen's own (CLICKHOUSE_SETTINGS). */
  settings?: Readonly<Record<string, string | number>> | undefined
}

/**
 * The embedded engine, loaded only when it is used: an image for a ClickHouse server leaves its
 * native library (over 500 MB) out.
 */
function embeddedEngine(): typeof import('chdb/connection') {
  try {
    return createRequire(import.meta.url)('chdb/connection') as typeof import('chdb/connection')
  } catch (err) {
    throw new Error(`the embedded ClickHouse engine (chdb) is not installed here: set CLICKHOUSE_URL to a ClickHouse server (${(err as Error).message.split('\n')[0]})`)
  }
}

/**
 * Waits until the embedded engine runs nothing and has torn down every connection closed meanwhile
 * (it defers that while a statement or a stream still runs on one).
 */
function engineIdle(): Promise<void> {
  return (createRequire(import.meta.url)('chdb') as typeof import('chdb')).drainPending()
}

/** Settings every insert needs: the pipeline writes times as ISO 8601 with a `Z`. */
const INSERT_SETTINGS = { date_time_input_format: 'best_effort' as const }
/**
 * The writer's inserts on the embedded engine: parsing a batch on one thread costs less CPU than
 * splitting it across threads (9.0 against 10.3 µs per row in batches of 50,000, bench/lib/insert-cost.ts).
 */
export const EMBEDDED_INSERT_SETTINGS = { ...INSERT_SETTINGS, input_format_parallel_parsing: 0 }

/** The settings the client sends with every statement (on a cluster, `clusterSettings()` too). */
export const CLIENT_SETTINGS = {
  ...INSERT_SETTINGS,
  output_format_json_quote_64bit_integers: 0 as const,
  // The embedded engine keeps a query's settings for the next one: without this, an insert
  // after a writer batch would reuse its deduplication token and be dropped as a duplicate.
  insert_deduplication_token: '',
}

/**
 * Opens the one `@clickhouse/client` that every query in the process goes through: the embedded
 * ClickHouse engine (chdb) on `DATA_DIR/clickhouse`, or a server when `url` is set.
 * @example
 * const db = openDb({ dataDir: './data' })
 * await db.query({ query: 'SELECT 1', format: 'JSONEachRow' })
 */
export function openDb(options: DbOptions): Db {
  const common = {
    request_timeout: 60_000,
    // Every failure reaches the caller, which logs it as one JSON line; the client's own logger
    // would add a multi-line dump to stderr for each one (every retry of an insert in an outage).
    log: { level: ClickHouseLogLevel.OFF },
    clickhouse_settings: { ...options.settings, ...CLIENT_SETTINGS, ...clusterSettings() },
  }
  if (options.url) {
    return createClient({
      url: options.url,
      username: options.username ?? 'default',
      password: options.password ?? '',
      ...common,
    })
  }
  const dir = path.join(options.dataDir, 'clickhouse')
  fs.mkdirSync(dir, { recursive: true })
  // chdb implements the client's Connection interface; its types come from an older copy of it.
  const chdb = embeddedEngine().createChdbConnection({ path: dir })
  // Files of inserts under way when an earlier process stopped: copies of spooled batches, no longer needed.
  const inserts = path.resolve(options.dataDir, 'inserts')
  fs.rmSync(inserts, { recursive: true, force: true })
  fs.mkdirSync(inserts, { recursive: true })
  const connection = settingOnce(chdb) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection']
  const db = createClient({ connection, ...common })
  embedded.set(db, { inserts, chdb })
  return db
}

type EngineConnection = ReturnType<ReturnType<typeof embeddedEngine>['createChdbConnection']>
type Settings = Record<string, unknown>

/**
 * The engine connection, with each setting sent only when its value changes. The embedded engine
 * runs a statement's settings as `SET` statements before it, and its session keeps what they set
 * for the statements after: sending the client's settings again with every statement cost 1.0 ms
 * of CPU of the 2.6 ms of a `SELECT 1` (bench/lib/setting-cost.ts). The engine runs one statement
 * at a time whatever is sent to it, so statements go to it one after another from here, and what
 * the session holds is known: exactly what it would hold had every setting been sent each time.
 * After an error the next statement sends all of its settings again, as a `SET` that failed may
 * have left the ones after it unset. `default_format` chooses the result's format: it goes every time.
 */
function settingOnce(engine: EngineConnection): EngineConnection {
  let held = new Map<string, unknown>()
  let last: Promise<unknown> = Promise.resolve()
  const wrap = <P extends { clickhouse_settings?: Settings }, R>(run: (params: P) => Promise<R>) => (params: P): Promise<R> => {
    const next = last.then(async () => {
      const send: Settings = {}
      for (const [name, value] of Object.entries(params.clickhouse_settings ?? {})) {
        if (value !== undefined && (name === 'default_format' || held.get(name) !== value)) send[name] = value
      }
      try {
        const result = await run({ ...params, clickhouse_settings: send })
        for (const [name, value] of Object.entries(send)) if (name !== 'default_format') held.set(name, value)
        return result
      } catch (err) {
        held = new Map()
        throw err
      }
    })
    last = next.catch(() => undefined)
    return next
  }
  return {
    query: wrap(engine.query.bind(engine)),
    exec: wrap(engine.exec.bind(engine)),
    command: wrap(engine.command.bind(engine)),
    insert: wrap(engine.insert.bind(engine)),
    ping: engine.ping.bind(engine),
    // Resolves once the statements under way are done and the engine has let the connection go: it
    // defers that while a statement runs, and a process that exited meanwhile (a collector after
    // SIGTERM, with a pass of the visits job still running) could die of a signal in the engine's
    // threads instead of exiting 0; another data directory could not be opened yet either.
    close: async () => {
      await last
      await engine.close()
      await engineIdle()
    },
  } as EngineConnection
}

/** Clients on the embedded engine, with the directory their inserts pass through and their engine connection. */
const embedded = new WeakMap<Db, { inserts: string; chdb: EngineConnection }>()

/** True for a client on the embedded engine, which one process owns: nothing to share with other collectors. */
export const isEmbedded = (db: Db) => embedded.has(db)

/** One piece of a streamed result: its bytes in the format asked for, and its rows when the engine says. */
export interface ResultPiece {
  bytes: Buffer
  rows: number | undefined
}

/**
 * Streams the result of `query` (which has no FORMAT clause) in `format`, piece by piece, so a
 * table of any size passes through without being held in memory: on the embedded engine through
 * its streaming query (pieces of whole blocks, with their row counts), on a server as the HTTP
 * response arrives. Nothing else may run on the embedded engine until the stream is done.
 * @example
 * for await (const piece of streamResult(db, 'SELECT * FROM tellen.sites', 'Native')) out.write(piece.bytes)
 */
export async function* streamResult(db: Db, query: string, format: string): AsyncGenerator<ResultPiece> {
  const local = embedded.get(db)
  if (local) {
    for await (const chunk of local.chdb.chdb.queryStream(query, { format })) yield { bytes: Buffer.from(chunk.raw()), rows: chunk.numRows }
    return
  }
  const result = await db.exec({ query: `${query} FORMAT ${format}` })
  for await (const chunk of result.stream as AsyncIterable<Buffer>) yield { bytes: chunk, rows: undefined }
}

/** A ClickHouse string literal. */
const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
/** A `SETTINGS` clause; names must be identifiers, values are numbers or strings. */
function settingsClause(settings: Record<string, string | number>): string {
  const pairs = Object.entries(settings).map(([k, v]) => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`invalid setting name ${JSON.stringify(k)}`)
    return `${k} = ${typeof v === 'number' ? String(v) : sqlString(v)}`
  })
  return pairs.length ? ` SETTINGS ${pairs.join(', ')}` : ''
}

/** The column list of an insert: positional rows name their columns, objects name them in each row. */
const columnList = (layout: RowLayout) => (layout.format === 'JSONCompactEachRow' ? ` (${layout.columns.join(', ')})` : '')

/** The statement of an insert whose rows follow as its body, as sent to a ClickHouse server. */
export const insertStatement = (table: string, layout: RowLayout) => `INSERT INTO ${table}${columnList(layout)} FORMAT ${layout.format}`

/** How the lines of an insert are written: objects by column name, or arrays in the order of `columns`. */
export type RowLayout = { format: 'JSONEachRow' } | { format: 'JSONCompactEachRow'; columns: readonly string[] }

/**
 * Inserts rows already serialised as JSON lines (joined by newlines) into `table`, which must come
 * from a fixed list: JSONEachRow objects, or with `layout` JSONCompactEachRow arrays of its columns.
 * On the embedded engine the bytes are written to a file under `DATA_DIR/inserts` and read by
 * `INSERT ... FROM INFILE` on the same connection as every other query, with the settings in the
 * statement (they do not stay on the session); the file is removed afterwards. The engine reads
 * rows from a file for less CPU than the same rows handed over as the inline data of a statement
 * (chdb's raw insert): 5.4-5.8 against 7.6-7.7 µs per row through every view, 2.1-2.3 against 3.95
 * into a Null table, in batches of 100,000 (bench/lib/insert-cost.ts, INLINE=1 for the raw insert).
 * The parsing happens off the event loop. On a server the bytes are sent as the body of an
 * `INSERT ... FORMAT ...`.
 * @example
 * await insertJsonLines(db, 'tellen.events_in', Buffer.from(lines.join('\n')), { insert_deduplication_token: token })
 */
export async function insertJsonLines(
  db: Db,
  table: string,
  payload: Buffer,
  settings: Record<string, string | number>,
  layout: RowLayout = { format: 'JSONEachRow' },
): Promise<void> {
  const local = embedded.get(db)
  if (local) {
    if (payload.length === 0) return
    const file = path.join(local.inserts, `${randomUUID()}.json`)
    await fs.promises.writeFile(file, payload)
    try {
      const query = `INSERT INTO ${table}${columnList(layout)} FROM INFILE ${sqlString(file)} COMPRESSION 'none'${settingsClause({ ...EMBEDDED_INSERT_SETTINGS, ...settings })} FORMAT ${layout.format}`
      await db.command({ query })
    } finally {
      await fs.promises.rm(file, { force: true })
    }
    return
  }
  const result = await db.exec({ query: insertStatement(table, layout), values: Readable.from([payload]), clickhouse_settings: settings })
  result.stream.resume()
}

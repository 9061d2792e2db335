import { Readable } from 'node:stream'
import { ttlOf, ttlStatements } from '../privacy/retention.ts'
import { streamResult, type Db, type ResultPiece } from './client.ts'
import { configuredCluster, LOCAL_SUFFIX, renderForDeployment } from './cluster.ts'
import { appliedMigrations, migrate } from './migrate.ts'
import { differences, tableFigures, type ColumnInfo, type TableFigures, type TableInfo } from './table-checks.ts'

/**
 * Tables that are not copied: `migrations` (the target records its own, applied first) and
 * `leases` (claims of processes on the old database, meaningless on the new one).
 */
export const NOT_COPIED = new Set(['migrations', 'leases'])

/** Rows whose TTL ends within this margin after the check starts are compared on neither side. */
const CHECK_MARGIN_SECONDS = 3600

/** How many of the target's filled tables a refusal names. */
const FILLED_TABLES_NAMED = 3

/** Raised when the target already holds Tellen data: a copy on top of it would count twice. */
export class TargetNotEmptyError extends Error {
  override name = 'TargetNotEmptyError'
}

/** Raised when the source and target schemas differ after both were migrated. */
export class SchemaMismatchError extends Error {
  override name = 'SchemaMismatchError'
}

export interface CopyProgress {
  table: string
  /** Rows copied so far. */
  rows: number
  /** Rows to copy, counted before the copy starts. */
  total: number
  done: boolean
}

export interface TableComparison {
  table: string
  source: TableFigures
  target: TableFigures
  /** Each difference as a sentence; empty when the table is equal on both sides. */
  differences: string[]
}

export interface MigrateToResult {
  /** Migrations applied on the target first. */
  applied: string[]
  /** Each copied table's TTL on the source ('' for none), and whether the target's had to be set to it. */
  ttls: { table: string; ttl: string; changed: boolean }[]
  copied: { table: string; rows: number }[]
  comparisons: TableComparison[]
}

const rowsOf = async <T>(db: Db, query: string, params: Record<string, unknown> = {}) =>
  (await db.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>()

/** The tables of `tellen` that hold rows, with their engines, on one node or the embedded engine. */
export async function dataTables(db: Db): Promise<TableInfo[]> {
  return rowsOf<TableInfo>(db, `SELECT name, engine, engine_full FROM system.tables WHERE database = 'tellen' AND engine LIKE '%MergeTree' ORDER BY name`)
}

/** The stored columns of a table (no MATERIALIZED, ALIAS or EPHEMERAL ones), in order. */
async function columnsOf(db: Db, table: string): Promise<ColumnInfo[]> {
  return rowsOf<ColumnInfo>(
    db,
    `SELECT name, type FROM system.columns WHERE database = 'tellen' AND table = {table:String} AND default_kind NOT IN ('MATERIALIZED', 'ALIAS', 'EPHEMERAL') ORDER BY position`,
    { table },
  )
}

/** The table of the target that holds `table`'s rows and TTL: its part on each node on a cluster. */
const targetPart = (table: string, cluster: string | undefined) => (cluster ? `${table}${LOCAL_SUFFIX}` : table)

/** Tables of the source's list that already hold rows on the target. */
async function filledTables(target: Db, tables: readonly TableInfo[]): Promise<{ table: string; rows: number }[]> {
  const filled: { table: string; rows: number }[] = []
  for (const { name } of tables) {
    const [counted] = await rowsOf<{ n: number }>(target, `SELECT toUInt64(count()) AS n FROM tellen.\`${name}\``)
    if (Number(counted?.n ?? 0) > 0) filled.push({ table: name, rows: Number(counted!.n) })
  }
  return filled
}

/**
 * Copies the rows of one table from `source` to `target` as they are stored, streamed in ClickHouse's
 * Native format: blocks of rows pass through, never the whole table. Rows past their TTL are left
 * behind (the target would drop them). Returns the rows copied.
 */
async function copyTable(source: Db, target: Db, table: string, columns: readonly ColumnInfo[], ttl: string | undefined, onProgress: (p: CopyProgress) => void, signal?: AbortSignal): Promise<number> {
  const list = columns.map((c) => `\`${c.name}\``).join(', ')
  const where = ttl ? ` WHERE (${ttl}) > now()` : ''
  const [counted] = await rowsOf<{ n: number }>(source, `SELECT toUInt64(count()) AS n FROM tellen.\`${table}\`${where}`)
  const total = Number(counted?.n ?? 0)
  let rows = 0
  onProgress({ table, rows, total, done: false })
  const pieces = streamResult(source, `SELECT ${list} FROM tellen.\`${table}\`${where}`, 'Native')[Symbol.asyncIterator]()
  const first = await pieces.next()
  if (!first.done) {
    const body = async function* () {
      for (let piece: IteratorResult<ResultPiece> = first; !piece.done; piece = await pieces.next()) {
        signal?.throwIfAborted()
        yield piece.value.bytes
        rows += piece.value.rows ?? 0
        onProgress({ table, rows, total, done: false })
      }
    }
    const result = await target.exec({
      query: `INSERT INTO tellen.\`${table}\` (${list}) FORMAT Native`,
      values: Readable.from(body(), { objectMode: false }),
      // Every block is copied as read: none is taken for a repeat of another and dropped.
      clickhouse_settings: { insert_deduplicate: 0 },
    })
    for await (const _ of result.stream) void _
  }
  onProgress({ table, rows, total, done: true })
  return rows
}

/**
 * Copies a Tellen database (the embedded engine's, whose collector is stopped) into a ClickHouse
 * server or cluster, with every count equal afterwards:
 * 1. migrates the target (the cluster form with CLICKHOUSE_CLUSTER) and refuses one that already
 *    holds rows in any table it would copy into (TargetNotEmptyError);
 * 2. gives each target table the source's TTL, so rows the source keeps are not dropped on insert;
 * 3. detaches the target's materialized views, copies every table but `NOT_COPIED` exactly once,
 *    and attaches the views again: a copied hourly rollup must not fill the daily rollup a second
 *    time, nor a copied table feed any other;
 * 4. compares each table on both sides (rows as read, totals of its measures).
 * @example
 * const result = await migrateTo(embedded, server, (p) => console.error(p.table, p.rows))
 * if (result.comparisons.some((c) => c.differences.length)) process.exitCode = 1
 */
export async function migrateTo(source: Db, target: Db, onProgress: (p: CopyProgress) => void, signal?: AbortSignal): Promise<MigrateToResult> {
  const cluster = configuredCluster()
  const applied = await migrate(target)
  const tables = (await dataTables(source)).filter((t) => !NOT_COPIED.has(t.name))

  const shipped = new Set(await appliedMigrations(target))
  const missing = (await appliedMigrations(source)).filter((m) => !shipped.has(m))
  if (missing.length) throw new SchemaMismatchError(`the source has migrations the target does not know: ${missing.join(', ')}; run a Tellen at least as new as the one that wrote DATA_DIR`)
  const filled = await filledTables(target, tables)
  if (filled.length) {
    const named = filled.slice(0, FILLED_TABLES_NAMED).map((f) => `${f.table}: ${f.rows} rows`).join(', ')
    const more = filled.length > FILLED_TABLES_NAMED ? ` and ${filled.length - FILLED_TABLES_NAMED} more tables` : ''
    throw new TargetNotEmptyError(
      `the target already holds Tellen data (${named}${more}); migrate-to copies into a server without Tellen data only, since rows on both sides would count twice and a day would have two salts. ` +
        'Point it at another server, or drop the database tellen there if its data is not needed',
    )
  }

  const columns = new Map<string, ColumnInfo[]>()
  const targetParts = new Map((await dataTables(target)).map((t) => [t.name, t]))
  const ttls: MigrateToResult['ttls'] = []
  for (const table of tables) {
    signal?.throwIfAborted()
    const own = await columnsOf(source, table.name)
    const theirs = await columnsOf(target, table.name)
    const key = (cs: ColumnInfo[]) => cs.map((c) => `${c.name} ${c.type}`).join(', ')
    if (key(own) !== key(theirs)) throw new SchemaMismatchError(`tellen.${table.name} has other columns on the target: (${key(theirs)}) against (${key(own)})`)
    columns.set(table.name, own)
    const ttl = ttlOf(table.engine_full) || undefined
    const part = targetParts.get(targetPart(table.name, cluster))
    if (!part) throw new SchemaMismatchError(`tellen.${targetPart(table.name, cluster)} is missing on the target`)
    const changed = (ttlOf(part.engine_full) || undefined) !== ttl
    if (changed) for (const query of ttlStatements(table.name, ttl, cluster)) await target.command({ query })
    ttls.push({ table: table.name, ttl: ttl ?? '', changed })
  }

  const views = (await rowsOf<{ name: string }>(target, `SELECT name FROM system.tables WHERE database = 'tellen' AND engine = 'MaterializedView' ORDER BY name`)).map((v) => v.name)
  const copied: MigrateToResult['copied'] = []
  for (const view of views) for (const query of renderForDeployment(`DETACH TABLE tellen.\`${view}\``, [], cluster)) await target.command({ query })
  try {
    for (const table of tables) {
      const rows = await copyTable(source, target, table.name, columns.get(table.name)!, ttlOf(table.engine_full) || undefined, onProgress, signal)
      copied.push({ table: table.name, rows })
    }
  } finally {
    for (const view of views) for (const query of renderForDeployment(`ATTACH TABLE tellen.\`${view}\``, [], cluster)) await target.command({ query })
  }

  const [clock] = await rowsOf<{ t: number }>(target, 'SELECT toUnixTimestamp(now()) AS t')
  const at = Number(clock!.t) + CHECK_MARGIN_SECONDS
  const comparisons: TableComparison[] = []
  for (const table of tables) {
    signal?.throwIfAborted()
    const ttl = ttlOf(table.engine_full) || undefined
    const own = await tableFigures(source, table, columns.get(table.name)!, ttl, at)
    const theirs = await tableFigures(target, table, columns.get(table.name)!, ttl, at)
    comparisons.push({ table: table.name, source: own, target: theirs, differences: differences(own, theirs) })
  }
  return { applied, ttls, copied, comparisons }
}

import fs from 'node:fs'
import path from 'node:path'
import { Readable } from 'node:stream'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { createChdbConnection } from 'chdb/connection'

export type Db = ClickHouseClient

export interface DbOptions {
  /** A ClickHouse server over HTTP; when unset, the embedded engine opens `dataDir`. */
  url?: string | undefined
  username?: string | undefined
  password?: string | undefined
  dataDir: string
}

/** Settings every insert needs: the pipeline writes times as ISO 8601 with a `Z`. */
const INSERT_SETTINGS = { date_time_input_format: 'best_effort' as const }
/**
 * The writer's inserts on the embedded engine: parsing a batch on one thread costs less CPU than
 * splitting it across threads (9.0 against 10.3 µs per row in batches of 50,000, bench/lib/insert-cost.ts).
 */
const RAW_INSERT_SETTINGS = { ...INSERT_SETTINGS, input_format_parallel_parsing: 0 }

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
    clickhouse_settings: {
      ...INSERT_SETTINGS,
      output_format_json_quote_64bit_integers: 0 as const,
      // The embedded engine keeps a query's settings for the next one: without this, an insert
      // after a writer batch would reuse its deduplication token and be dropped as a duplicate.
      insert_deduplication_token: '',
    },
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
  const chdb = createChdbConnection({ path: dir })
  const connection = chdb as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection']
  const db = createClient({ connection, ...common })
  embedded.set(db, chdb)
  return db
}

const embedded = new WeakMap<Db, ReturnType<typeof createChdbConnection>>()

/** The statement of an insert whose rows follow as its body, as sent to a ClickHouse server. */
export const insertStatement = (table: string, layout: RowLayout) =>
  `INSERT INTO ${table}${layout.format === 'JSONCompactEachRow' ? ` (${layout.columns.join(', ')})` : ''} FORMAT ${layout.format}`

/** How the lines of an insert are written: objects by column name, or arrays in the order of `columns`. */
export type RowLayout = { format: 'JSONEachRow' } | { format: 'JSONCompactEachRow'; columns: readonly string[] }

/**
 * Inserts rows already serialised as JSON lines (joined by newlines) into `table`, which must come
 * from a fixed list: JSONEachRow objects, or with `layout` JSONCompactEachRow arrays of its columns.
 * On the embedded engine the bytes go to chdb's raw insert on the same connection as every other
 * query: handed over without a copy and parsed off the event loop, with the settings in the
 * statement (they do not stay on the session). On a server they are sent as the body of an
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
  const columns = layout.format === 'JSONCompactEachRow' ? layout.columns : undefined
  const chdb = embedded.get(db)
  if (chdb) {
    await chdb.chdb.rawInsert({ table, format: layout.format, ...(columns ? { columns: [...columns] } : {}), values: payload, settings: { ...RAW_INSERT_SETTINGS, ...settings } })
    return
  }
  const result = await db.exec({ query: insertStatement(table, layout), values: Readable.from([payload]), clickhouse_settings: settings })
  result.stream.resume()
}


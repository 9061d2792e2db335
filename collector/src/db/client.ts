import fs from 'node:fs'
import path from 'node:path'
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
      date_time_input_format: 'best_effort' as const,
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
  const connection = createChdbConnection({ path: dir }) as unknown as NonNullable<Parameters<typeof createClient>[0]>['connection']
  return createClient({ connection, ...common })
}


import { z } from 'zod'
import type { Db } from '../db/client.ts'
import { configuredCluster, dataTableOf, renderForDeployment } from '../db/cluster.ts'
import { daySchema } from '../stats/params.ts'

/** What to erase: all of a site's data, or the UTC days from `from` to `to` (inclusive). */
export interface ForgetRequest {
  site: string
  from?: string | undefined
  to?: string | undefined
}

export interface ForgetResult {
  site: string
  /** Rows deleted per table; tables without a time column are skipped when a range is given. */
  tables: { table: string; rows: number }[]
  skipped: string[]
}

// The days a range may name, as in the stats API: a calendar day (2026-02-30 is refused, not read as 2026-03-02).
const date = daySchema

/** Validates a forget request from the CLI or the admin API; the message says what is wrong. */
export const forgetRequestSchema = z
  .object({
    site: z.string().trim().toLowerCase().min(1, 'site is required').max(253),
    from: date.optional(),
    to: date.optional(),
  })
  .refine((r) => !r.from || !r.to || r.from <= r.to, 'from must not be after to')

/** Time columns by preference; a range is cut on the first one a table has. */
const TIME_COLUMNS = ['hour', 'ts', 'day'] as const
/** Table names come from system tables; only plain names go into SQL. */
const TABLE_NAME = /^[a-z0-9_]+$/

/**
 * The statements that delete the rows of `table` matching `where`: an ALTER of the table on one node,
 * on a cluster an ALTER ON CLUSTER of each node's part (a Distributed table holds no rows).
 * @example deleteStatements('rollup_pages', 'site = {site:String}')
 * // ['ALTER TABLE tellen.`rollup_pages` DELETE WHERE site = {site:String}']
 */
export function deleteStatements(table: string, where: string, cluster: string | undefined = configuredCluster()): string[] {
  return renderForDeployment(`ALTER TABLE tellen.\`${table}\` DELETE WHERE ${where}`, [table], cluster)
}

/**
 * Deletes a site's rows from every MergeTree table in database `tellen` that has a `site` column
 * (found in system.columns, so rollups added later are included), waiting for each mutation.
 * With `from`/`to`, only rows of those UTC days are deleted.
 * @example await forgetSite(db, { site: 'example.com', from: '2026-01-01', to: '2026-01-31' })
 */
export async function forgetSite(db: Db, request: ForgetRequest): Promise<ForgetResult> {
  const { site, from, to } = forgetRequestSchema.parse(request)
  const rs = await db.query({
    query: `SELECT c.table AS table, groupArray(c.name) AS columns
            FROM system.columns AS c
            WHERE c.database = 'tellen'
              AND c.table IN (SELECT name FROM system.tables WHERE database = 'tellen' AND engine LIKE '%MergeTree')
            GROUP BY c.table
            HAVING has(columns, 'site')
            ORDER BY c.table`,
    format: 'JSONEachRow',
  })
  const result: ForgetResult = { site, tables: [], skipped: [] }
  const ranged = from !== undefined || to !== undefined
  for (const found of await rs.json<{ table: string; columns: string[] }>()) {
    // On a cluster the rows are in each node's part (`<table>_local`), read through the Distributed table.
    const table = dataTableOf(found.table)
    const { columns } = found
    if (table === undefined || !TABLE_NAME.test(table)) continue
    let where = 'site = {site:String}'
    if (ranged) {
      const column = TIME_COLUMNS.find((c) => columns.includes(c))
      if (!column) {
        result.skipped.push(table)
        continue
      }
      if (from) where += ` AND toDate(${column}) >= {from:Date}`
      if (to) where += ` AND toDate(${column}) <= {to:Date}`
    }
    const params = { site, from, to }
    const [counted] = await (await db.query({ query: `SELECT toUInt64(count()) AS n FROM tellen.\`${table}\` WHERE ${where}`, query_params: params, format: 'JSONEachRow' })).json<{ n: number }>()
    const rows = Number(counted?.n ?? 0)
    if (rows > 0) {
      for (const query of deleteStatements(table, where)) await db.command({ query, query_params: params, clickhouse_settings: { mutations_sync: '2' } })
    }
    result.tables.push({ table, rows })
  }
  return result
}

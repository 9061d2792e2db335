import type { Readable } from 'node:stream'
import type { Db } from '../db/client.ts'
import type { ExportDataset } from './datasets.ts'
import type { ExportFormat } from './params.ts'
import { WINNING_RELEASES } from './release.ts'

const FORMAT: Record<ExportFormat, string> = { csv: 'CSVWithNames', ndjson: 'JSONEachRow', parquet: 'Parquet' }

/** Text a spreadsheet would run as a formula starts with one of these: such a cell gets a leading quote. */
const csvSafe = (column: string) => `if(match(${column}, '^[-=+@\\t\\r]'), concat('\\'', ${column}), ${column})`

/** The frozen rows of a span, as a download sends them. */
export interface ReleasedRows {
  /** Rows in the download, and rows withheld (their noisy visitor count is below k), over every period. */
  rows: number
  withheld: number
  /** The rows in ClickHouse's own output format, as bytes. */
  stream: Readable
}

/**
 * Reads the frozen releases of the periods from `from` to `to` (starts of periods, all released):
 * one row per period and group, `period` then the dataset's dimensions and metrics, nothing added up.
 * @example const { stream, withheld } = await releasedRows(db, dataset, '2026-11-01', '2026-11-30', 'csv')
 */
export async function releasedRows(db: Db, dataset: ExportDataset, from: string, to: string, format: ExportFormat): Promise<ReleasedRows> {
  const params = { site: dataset.site, dataset: dataset.id, from, to }
  const counted = await db.query({
    query: `SELECT countIf(is_seal = 0) AS rows, sumIf(withheld, is_seal = 1) AS withheld
            FROM tellen.export_releases
            WHERE site = {site:String} AND dataset_id = {dataset:String} AND (period, release_id) IN (${WINNING_RELEASES})`,
    query_params: params,
    format: 'JSONEachRow',
  })
  const [count] = await counted.json<{ rows: number | string; withheld: number | string }>()
  // Positions are 1-based; the names are the dataset's own, checked when it was defined.
  const columns = [
    `toString(period) AS period`,
    ...dataset.dimensions.map((d, i) => `${format === 'csv' ? csvSafe(`groups[${i + 1}]`) : `groups[${i + 1}]`} AS ${d}`),
    ...dataset.metrics.map((m) => `${m}`),
  ]
  const { stream } = await db.exec({
    query: `SELECT ${columns.join(', ')}
            FROM tellen.export_releases
            WHERE site = {site:String} AND dataset_id = {dataset:String} AND is_seal = 0 AND (period, release_id) IN (${WINNING_RELEASES})
            ORDER BY period, groups
            FORMAT ${FORMAT[format]}`,
    query_params: params,
    // RFC 4180 ends CSV lines with CRLF; the embedded engine keeps the setting, so it is always given.
    clickhouse_settings: { output_format_csv_crlf_end_of_line: format === 'csv' ? 1 : 0 },
  })
  return { rows: Number(count?.rows ?? 0), withheld: Number(count?.withheld ?? 0), stream }
}

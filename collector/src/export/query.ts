import type { Readable } from 'node:stream'
import type { Db } from '../db/client.ts'
import { rangeWhere, trafficRollupFor, visitColumn, type Dimension } from '../stats/dimensions.ts'
import { ParamError } from '../stats/params.ts'
import { baseParams } from '../stats/range.ts'
import { VISIT_METRICS, visitsFrom } from '../stats/traffic.ts'
import { VISITORS_COUNTED, VISITORS_MERGED } from '../stats/visitors.ts'
import type { ExportDimension, ExportFormat, ExportMetric, ExportRequest } from './params.ts'

/** Where an export's rows are counted: one rollup holding every dimension asked for. */
interface Plan {
  /** `FROM ... WHERE ...` with the site and the range. */
  from: string
  column: (d: ExportDimension) => string
  metric: Record<ExportMetric, string | undefined>
}

/**
 * Picks the rollup that answers: a pageview rollup holding every dimension (visitors and
 * pageviews), else the visits rollup (visitors, visits and their pageviews, for any dimension of a
 * visit). Throws a ParamError for dimensions and metrics that no rollup keeps together.
 */
function planFor(dimensions: readonly ExportDimension[], metrics: readonly ExportMetric[]): Plan {
  const day = (d: ExportDimension) => (d === 'day' ? `toDate(hour, {tz:String})` : undefined)
  const dims = dimensions.filter((d): d is Dimension & ExportDimension => d !== 'day')
  const rollup = metrics.includes('visits') ? undefined : trafficRollupFor(dims)
  if (rollup) {
    return {
      from: `FROM ${rollup.table} WHERE ${rangeWhere('hour')}`,
      column: (d) => day(d) ?? rollup.columns[d as Dimension]!,
      metric: { visitors: VISITORS_MERGED, pageviews: 'sum(pageviews)', visits: undefined },
    }
  }
  if (dims.every((d) => d !== 'page' && visitColumn(d))) {
    return {
      from: visitsFrom({}),
      column: (d) => day(d) ?? visitColumn(d as Dimension)!,
      metric: { visitors: VISITORS_COUNTED, pageviews: VISIT_METRICS.visitPageviews, visits: VISIT_METRICS.visits },
    }
  }
  throw new ParamError(
    `no rollup keeps ${dims.join(' with ')}${metrics.includes('visits') ? ' with visits' : ''}: ` +
      'page goes with day alone and counts visitors and pageviews; entry_page and exit_page count visits',
  )
}

/** Text a spreadsheet would run as a formula starts with one of these: such a cell gets a leading quote. */
const csvSafe = (column: string) => `if(match(${column}, '^[-=+@\\t\\r]'), concat('\\'', ${column}), ${column})`

/** The grouped counts of every row, thresholded or not: `d_<dimension>` and `n_<metric>` columns. */
function groupedSql(r: ExportRequest): string {
  const plan = planFor(r.dimensions, r.metrics)
  const select = [
    ...r.dimensions.map((d) => `${plan.column(d)} AS d_${d}`),
    ...(['visitors', 'pageviews', 'visits'] as const).filter((m) => plan.metric[m]).map((m) => `${plan.metric[m]} AS n_${m}`),
  ]
  const group = r.dimensions.length ? ` GROUP BY ${r.dimensions.map((d) => `d_${d}`).join(', ')}` : ''
  return `SELECT ${select.join(', ')} ${plan.from}${group} HAVING count() > 0`
}

/** The rows that describe at least `k` visitors, named by dimension and metric, in dimension order. */
function exportSql(r: ExportRequest): string {
  const columns = [
    ...r.dimensions.map((d) => `${r.format === 'csv' && d !== 'day' ? csvSafe(`d_${d}`) : `d_${d}`} AS ${d}`),
    ...r.metrics.map((m) => `n_${m} AS ${m}`),
  ]
  const order = r.dimensions.length ? ` ORDER BY ${r.dimensions.map((d) => `d_${d}`).join(', ')}` : ''
  return `SELECT ${columns.join(', ')} FROM (${groupedSql(r)}) WHERE n_visitors >= {k:UInt64}${order}`
}

const FORMAT: Record<ExportFormat, string> = { csv: 'CSVWithNames', ndjson: 'JSONEachRow', parquet: 'Parquet' }

export interface ExportResult {
  /** Rows in the export, and rows left out because they describe fewer than k visitors. */
  rows: number
  suppressed: number
  /** The rows in ClickHouse's own output format for `format`, as bytes. */
  stream: Readable
}

/**
 * Checks that an export can be answered (a ParamError otherwise), counts its rows and the rows it
 * leaves out, then streams the rows of at least `k` visitors in the requested format. Rows come
 * from the rollups only; nothing adds them up, so no total gives away a row that was left out.
 * @example const { stream, suppressed } = await exportRows(db, 'example.com', 'UTC', request)
 */
export async function exportRows(db: Db, site: string, tz: string, r: ExportRequest): Promise<ExportResult> {
  const params = { ...baseParams({ site, tz, from: r.from, to: r.to, filters: {} }), k: r.k }
  const counted = await db.query({
    query: `SELECT countIf(n_visitors >= {k:UInt64}) AS shown, countIf(n_visitors < {k:UInt64}) AS left_out FROM (${groupedSql(r)})`,
    query_params: params,
    format: 'JSONEachRow',
  })
  const [count] = await counted.json<{ shown: number; left_out: number }>()
  const { stream } = await db.exec({
    query: `${exportSql(r)} FORMAT ${FORMAT[r.format]}`,
    query_params: params,
    // RFC 4180 ends CSV lines with CRLF; the embedded engine keeps the setting, so it is always given.
    clickhouse_settings: { output_format_csv_crlf_end_of_line: r.format === 'csv' ? 1 : 0 },
  })
  return { rows: Number(count?.shown ?? 0), suppressed: Number(count?.left_out ?? 0), stream }
}

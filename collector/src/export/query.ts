import type { Readable } from 'node:stream'
import type { Db } from '../db/client.ts'
import { rangeWhere, trafficRollupFor, visitColumn, type Dimension } from '../stats/dimensions.ts'
import { ParamError } from '../stats/param-error.ts'
import { baseParams } from '../stats/range.ts'
import { VISIT_METRICS, visitsFrom } from '../stats/traffic.ts'
import { mergeVisitors, VISITORS_COUNTED, VISITORS_COUNTED_STATE, VISITORS_MERGED, VISITORS_MERGED_STATE } from '../stats/visitors.ts'
import type { ExportDimension, ExportFormat, ExportMetric, ExportRequest } from './params.ts'

/** Where an export's rows are counted: one rollup holding every dimension asked for. */
interface Plan {
  /** `FROM ... WHERE ...` with the site and the range; its rows have an `hour`. */
  from: string
  column: (d: ExportDimension) => string
  /** Pageviews and visits as sums (added up over days); visitors as a state and a count of a day. */
  metric: { pageviews: string; visits: string | undefined; visitorState: string; visitors: string }
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
      metric: { visitors: VISITORS_MERGED, visitorState: VISITORS_MERGED_STATE, pageviews: 'sum(pageviews)', visits: undefined },
    }
  }
  if (dims.every((d) => d !== 'page' && visitColumn(d))) {
    return {
      from: visitsFrom({}),
      column: (d) => day(d) ?? visitColumn(d as Dimension)!,
      metric: { visitors: VISITORS_COUNTED, visitorState: VISITORS_COUNTED_STATE, pageviews: VISIT_METRICS.visitPageviews, visits: VISIT_METRICS.visits },
    }
  }
  throw new ParamError(
    `no rollup keeps ${dims.join(' with ')}${metrics.includes('visits') ? ' with visits' : ''}: ` +
      'page goes with day alone and counts visitors and pageviews; entry_page and exit_page count visits',
  )
}

/** Text a spreadsheet would run as a formula starts with one of these: such a cell gets a leading quote. */
const csvSafe = (column: string) => `if(match(${column}, '^[-=+@\\t\\r]'), concat('\\'', ${column}), ${column})`

/**
 * The grouped counts of every row, thresholded or not: `d_<dimension>` and `n_<metric>` columns, and
 * `n_people`, what the threshold is held against: the most visitors the row has on any one UTC day.
 * A visitor code lasts a day, so over several days one person who comes back every day is several
 * visitors; within a day distinct codes are distinct people (or more codes than people: a person
 * with two devices). A row is counted per UTC day first, then over the range.
 */
function groupedSql(r: ExportRequest): string {
  const plan = planFor(r.dimensions, r.metrics)
  const dims = r.dimensions.map((d) => `d_${d}`)
  const perDay = [
    ...r.dimensions.map((d) => `${plan.column(d)} AS d_${d}`),
    `toDate(hour, 'UTC') AS utc_day`,
    `${plan.metric.visitorState} AS day_state`,
    `${plan.metric.visitors} AS day_visitors`,
    `${plan.metric.pageviews} AS day_pageviews`,
    ...(plan.metric.visits ? [`${plan.metric.visits} AS day_visits`] : []),
  ]
  const overall = [
    ...dims,
    `${mergeVisitors('day_state')} AS n_visitors`,
    `sum(day_pageviews) AS n_pageviews`,
    ...(plan.metric.visits ? [`sum(day_visits) AS n_visits`] : []),
    `max(day_visitors) AS n_people`,
  ]
  const group = (extra: string[]) => (dims.length + extra.length ? ` GROUP BY ${[...dims, ...extra].join(', ')}` : '')
  return `SELECT ${overall.join(', ')} FROM (SELECT ${perDay.join(', ')} ${plan.from}${group(['utc_day'])})${group([])} HAVING count() > 0`
}

/** The rows that describe at least `k` people (see `groupedSql`), named by dimension and metric, in dimension order. */
function exportSql(r: ExportRequest): string {
  const columns = [
    ...r.dimensions.map((d) => `${r.format === 'csv' && d !== 'day' ? csvSafe(`d_${d}`) : `d_${d}`} AS ${d}`),
    ...r.metrics.map((m) => `n_${m} AS ${m}`),
  ]
  const order = r.dimensions.length ? ` ORDER BY ${r.dimensions.map((d) => `d_${d}`).join(', ')}` : ''
  return `SELECT ${columns.join(', ')} FROM (${groupedSql(r)}) WHERE n_people >= {k:UInt64}${order}`
}

const FORMAT: Record<ExportFormat, string> = { csv: 'CSVWithNames', ndjson: 'JSONEachRow', parquet: 'Parquet' }

export interface ExportResult {
  /** Rows in the export, and rows left out because they describe fewer than k people. */
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
    query: `SELECT countIf(n_people >= {k:UInt64}) AS shown, countIf(n_people < {k:UInt64}) AS left_out FROM (${groupedSql(r)})`,
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

import type { Db } from './client.ts'

/** A table of database `tellen` as `system.tables` describes it on the embedded engine or one node. */
export interface TableInfo {
  name: string
  engine: string
  engine_full: string
}

export interface ColumnInfo {
  name: string
  type: string
}

/** What is compared of a table on two databases: its rows as read, and the totals of its measures. */
export interface TableFigures {
  /** Rows as a query reads them: after FINAL for an engine that merges rows, so merges do not change it. */
  rows: string
  /** Each measure column's total over every row (sums, merged distinct counts), by column. */
  totals: Record<string, string>
}

/** Engines that merge rows with equal sorting keys: their row count is read with FINAL. */
const MERGING_ENGINE = /^(Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing)MergeTree$/

/**
 * Aggregate functions whose merged state gives the same answer however the rows were merged or
 * ordered; a state of any other (a t-digest of quantiles) is compared through the row count only.
 */
const ORDER_FREE_STATES = new Set(['sum', 'count', 'uniq', 'uniqExact', 'uniqCombined', 'uniqCombined64', 'min', 'max', 'sumForEach'])

/** The expression totalling one column over all rows, or undefined when it has no order-free total. */
export function totalOf(column: ColumnInfo, summed: ReadonlySet<string>): string | undefined {
  const quoted = `\`${column.name}\``
  const simple = /^SimpleAggregateFunction\((sum|min|max), /.exec(column.type)
  if (simple) return `${simple[1]}(${quoted})`
  const state = /^AggregateFunction\((\w+)(\([^()]*\))?, /.exec(column.type)
  if (state) {
    const [, fn, params = ''] = state
    if (!ORDER_FREE_STATES.has(fn!)) return undefined
    const merged = `${fn}Merge${params}(${quoted})`
    return fn!.endsWith('ForEach') ? `arraySum(${merged})` : merged
  }
  return summed.has(column.name) ? `sum(${quoted})` : undefined
}

/** The columns a SummingMergeTree sums, as its engine names them. */
export function summedColumns(engineFull: string): Set<string> {
  const m = /^SummingMergeTree\(([^)]*)\)/.exec(engineFull)
  return new Set(m ? m[1]!.split(',').map((c) => c.trim().replace(/^`|`$/g, '')).filter(Boolean) : [])
}

/**
 * The figures of `table` on `db`, counting only rows whose TTL ends after `at` (epoch seconds), so
 * that rows expiring while the figures are taken count on neither side.
 * @example await tableFigures(db, { name: 'rollup_pages', engine: 'AggregatingMergeTree', engine_full }, columns, ttl, at)
 */
export async function tableFigures(db: Db, table: TableInfo, columns: readonly ColumnInfo[], ttl: string | undefined, at: number): Promise<TableFigures> {
  const from = `tellen.\`${table.name}\``
  const where = ttl ? ` WHERE (${ttl}) > toDateTime({at:UInt32})` : ''
  const final = MERGING_ENGINE.test(table.engine) ? ' FINAL' : ''
  const summed = summedColumns(table.engine_full)
  const totals = columns.flatMap((c) => {
    const total = totalOf(c, summed)
    return total ? [`toString(${total}) AS \`${c.name}\``] : []
  })
  const read = async (query: string) => (await (await db.query({ query, query_params: { at }, format: 'JSONEachRow' })).json<Record<string, string>>())[0] ?? {}
  const { rows = '0' } = await read(`SELECT toString(count()) AS rows FROM ${from}${final}${where}`)
  return { rows, totals: totals.length ? await read(`SELECT ${totals.join(', ')} FROM ${from}${where}`) : {} }
}

/** How far two sums of floating-point numbers taken in another order may differ, relative to their size. */
const RELATIVE_TOLERANCE = 1e-9

/** Two totals are equal: integers exactly, other numbers up to the rounding of a sum taken in another order. */
export function sameTotal(a: string, b: string): boolean {
  if (a === b) return true
  if (/^-?\d+$/.test(a) && /^-?\d+$/.test(b)) return false
  const x = Number(a)
  const y = Number(b)
  return Number.isFinite(x) && Number.isFinite(y) && Math.abs(x - y) <= RELATIVE_TOLERANCE * Math.max(Math.abs(x), Math.abs(y))
}

/**
 * The differences between the figures of one table on two databases, each a sentence; empty when equal.
 * @example differences({ rows: '3', totals: {} }, { rows: '4', totals: {} }) // ['rows 3 against 4']
 */
export function differences(source: TableFigures, target: TableFigures): string[] {
  const out: string[] = []
  if (source.rows !== target.rows) out.push(`rows ${source.rows} against ${target.rows}`)
  for (const [column, total] of Object.entries(source.totals)) {
    const other = target.totals[column]
    if (other === undefined || !sameTotal(total, other)) out.push(`${column} ${total} against ${other ?? 'nothing'}`)
  }
  return out
}

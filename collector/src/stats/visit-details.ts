import { DETAIL_DIMENSIONS } from '../visits/sessionize.ts'
import { filterDims, rangeWhere, type Dimension, type Filters } from './dimensions.ts'

/** The detail rollups the visits job writes by visit dimension (sql/060). */
export type VisitDetailRollup = 'tellen.rollup_visit_timings' | 'tellen.rollup_visit_interactions' | 'tellen.rollup_visit_elements'

/**
 * The filter's dimension when the filters are one dimension of a visit that timings and interactions
 * are kept by (source, referrer, a UTM tag, entry or exit page); undefined otherwise.
 */
export function visitDetailDimension(filters: Filters): Dimension | undefined {
  const dims = filterDims(filters)
  return dims.length === 1 && (DETAIL_DIMENSIONS as readonly string[]).includes(dims[0]!) ? dims[0] : undefined
}

/**
 * `FROM ...` the rows of a detail rollup for the range and the filter's one visit dimension and value,
 * newest versions only (FINAL; the filter on the value runs after it, as `live`, which leaves out
 * the zero rows of keys that are gone).
 */
export function visitDetailFrom(table: VisitDetailRollup, dimension: Dimension, live: string): string {
  if (!(DETAIL_DIMENSIONS as readonly string[]).includes(dimension)) throw new Error(`details are not kept by ${dimension}`)
  return `FROM (SELECT * FROM ${table} FINAL WHERE ${rangeWhere('hour')} AND dimension = '${dimension}' AND value = {f_${dimension}:String}) AS detail
    WHERE ${live}`
}

import type { Db } from '../../db/client.ts'
import { VISITORS_COUNTED, VISITORS_MERGED } from '../visitors.ts'
import {
  eventsWhere, filterDims, filterParams, pageOfSpan, rangeWhere, VISIT_DIMENSIONS, visitColumn,
  type AnswerSource, type Dimension, type Filters,
} from '../dimensions.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import { trafficSource, visitSource } from '../traffic.ts'
import { reachOf, type Reach } from '../visit-pairs.ts'

export interface BreakdownRow {
  value: string
  visitors: number
  /** Pageviews (page, country, technology dimensions; and of the visits for visit dimensions). */
  pageviews?: number
  /** Visits (entry and exit pages and the sources of visits). */
  visits?: number
  /** Share of those visits that bounced, 0 to 1. */
  bounce_rate?: number
  /** Custom events of that name (`event`). */
  events?: number
}

export interface BreakdownResult {
  source: AnswerSource
  dimension: Dimension
  rows: BreakdownRow[]
}

export interface Page {
  limit: number
  offset: number
}

function sqlFor(dimension: Dimension, filters: Filters, reach: Reach): { query: string; source: AnswerSource } {
  const page = 'LIMIT {limit:UInt32} OFFSET {offset:UInt32}'
  if (dimension === 'event') {
    const only = filterDims(filters)
    if (only.every((d) => d === 'event')) {
      return {
        source: 'rollup',
        query: `SELECT name AS value, ${VISITORS_MERGED} AS visitors, sum(events) AS events FROM ${pageOfSpan('tellen.rollup_custom', ` AND prop = ''${filters.event !== undefined ? ' AND name = {f_event:String}' : ''}`, ['name'], 'sum(events)')}
                GROUP BY value ORDER BY events DESC, value`,
      }
    }
    return {
      source: 'events',
      query: `SELECT toString(name) AS value, ${VISITORS_COUNTED} AS visitors, count() AS events FROM tellen.events
              WHERE type = 'custom' AND ${rangeWhere('ts')}${eventsWhere({ ...filters, event: undefined })}${filters.event !== undefined ? ' AND name = {f_event:String}' : ''}
              GROUP BY value ORDER BY events DESC, value ${page}`,
    }
  }
  if (VISIT_DIMENSIONS.includes(dimension)) {
    const v = visitSource(filters, dimension, false, reach)
    return {
      source: v.source,
      // Aliases differ from the column names: an alias equal to a column would shadow it in countIf.
      query: `SELECT ${v.group} AS value, ${v.visitors} AS visitors, ${v.metrics.visits} AS n_visits,
                     ${v.metrics.visitPageviews} AS n_pageviews, ${v.metrics.bounces} / n_visits AS bounce_rate
              ${v.page ?? v.from} GROUP BY value ORDER BY n_visits DESC, value ${v.page ? '' : page}`,
    }
  }
  const t = trafficSource(filters, dimension, false, reach)
  return {
    source: t.source,
    query: `SELECT ${t.group} AS value, ${t.visitors} AS visitors, ${t.pageviews} AS pageviews ${t.from}
            GROUP BY value ORDER BY visitors DESC, pageviews DESC, value ${page}`,
  }
}

/**
 * The top values of one dimension over the range, by visitors (pages, places, technology), visits
 * (entry and exit pages, sources) or occurrences (custom events), one page of `limit` rows at `offset`.
 * @example await breakdown(db, query, 'country', { limit: 10, offset: 0 })
 */
export async function breakdown(db: Db, q: StatsQuery, dimension: Dimension, paging: Page): Promise<BreakdownResult> {
  const { query, source } = sqlFor(dimension, q.filters, reachOf(q))
  const rs = await db.query({
    query,
    query_params: { ...baseParams(q), ...filterParams(q.filters), limit: paging.limit, offset: paging.offset },
    format: 'JSONEachRow',
  })
  const rows = (await rs.json<Record<string, unknown>>()).map((r) => {
    const row: BreakdownRow = { value: String(r.value), visitors: Number(r.visitors) }
    for (const k of ['pageviews', 'visits', 'bounce_rate', 'events'] as const) {
      const v = r[k] ?? r[`n_${k}`]
      if (v !== undefined) row[k] = Number(v)
    }
    return row
  })
  return { source, dimension, rows }
}

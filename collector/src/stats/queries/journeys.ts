import type { Db } from '../../db/client.ts'
import { filterParams } from '../dimensions.ts'
import { eventVisitsFrom, type EventSpan } from '../event-visits.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import { VISITORS_COUNTED } from '../visitors.ts'

/** Where visitors came from before viewing the page: another page, or the visit started there (value: the visit's source). */
export interface PreviousRow {
  kind: 'page' | 'entry'
  value: string
  visitors: number
}

/** Where visitors went after the page: another page, or the visit ended there (value: how it was left, or `unknown`). */
export interface NextRow {
  kind: 'page' | 'exit'
  value: string
  visitors: number
}

export interface JourneysResult {
  source: 'events'
  /** The days the answer covers: the range within the event retention (null when none of it is). */
  span: EventSpan | null
  page: string
  previous: PreviousRow[]
  next: NextRow[]
}

/** What the exit of a visit is called when its last page sent no leave event. */
export const UNKNOWN_EXIT = 'unknown'

/**
 * The pageviews of each visit in order, the visit's last leave event (path, exit kind, time) and the
 * time of its last pageview: a visit ends with the way its last page was left when that page sent it.
 */
const VISIT_PATHS = [
  `arrayMap(v -> v.2, arraySort(v -> v.1, groupArrayIf((ts, path), type = 'pageview'))) AS paths`,
  `argMaxIf((path, toString(name), ts), ts, type = 'leave') AS last_leave`,
  `maxIf(ts, type = 'pageview') AS last_view`,
]

/**
 * For one page: the steps before it (previous page, or the entry with the visit's source) and after it
 * (next page, or the exit with how the page was left, see exits.ts) within the visits that start in
 * the range and match the filters (their events from the anonymised events), each with the visitors who took
 * it, the top `limit` of each by visitors. Every view of the page in a visit counts.
 * @example await journeys(db, query, '/pricing', 10, span)
 */
export async function journeys(db: Db, q: StatsQuery, page: string, limit: number, span: EventSpan | null): Promise<JourneysResult> {
  const views = `arrayFilter(i -> paths[i] = {page:String}, arrayEnumerate(paths))`
  const exit = `if(last_leave.3 >= last_view AND last_leave.1 = paths[-1], last_leave.2, '${UNKNOWN_EXIT}')`
  const steps = `arrayConcat(
      arrayMap(i -> ('previous', if(i = 1, 'entry', 'page'), if(i = 1, toString(source), paths[i - 1])), ${views}),
      arrayMap(i -> ('next', if(i = length(paths), 'exit', 'page'), if(i = length(paths), ${exit}, paths[i + 1])), ${views}))`
  const rows = span
    ? await (
        await db.query({
          query: `SELECT step.1 AS direction, step.2 AS kind, step.3 AS value, ${VISITORS_COUNTED} AS visitors
                  FROM (SELECT visitor, arrayJoin(${steps}) AS step ${eventVisitsFrom(q.filters, ['pageview', 'leave'], VISIT_PATHS)})
                  GROUP BY direction, kind, value ORDER BY direction, visitors DESC, kind, value LIMIT {limit:UInt32} BY direction`,
          query_params: { ...baseParams({ ...q, ...span }), ...filterParams(q.filters), page, limit },
          format: 'JSONEachRow',
        })
      ).json<{ direction: string; kind: string; value: string; visitors: string }>()
    : []
  const side = (direction: string) => rows.filter((r) => r.direction === direction).map((r) => ({ kind: r.kind, value: r.value, visitors: Number(r.visitors) }))
  return { source: 'events', span, page, previous: side('previous') as PreviousRow[], next: side('next') as NextRow[] }
}

import type { Db } from '../../db/client.ts'
import {
  eventsWhere, filterDims, filterParams, onlyPageFilter, pageWhere, rangeWhere, rollupSpan, type AnswerSource, type Dimension, type Filters,
} from '../dimensions.ts'
import { baseParams, type StatsQuery } from '../range.ts'
import { GRID_COLUMNS, GRID_ROWS } from '../../protocol.ts'
import { visitDetailDimension, visitDetailFrom } from '../visit-details.ts'

export interface InteractionsResult {
  source: AnswerSource
  /** Page views by maximum scroll depth, in buckets of 10 percent (0, 10, ... 100). */
  scroll: { depth: number; views: number }[]
  /** Clicks per grid cell, row-major (`clicks[y][x]`). */
  clicks: number[][]
  /** Mouse-movement counts per grid cell, row-major (`moves[y][x]`). */
  moves: number[][]
  /** The most clicked element descriptors. */
  elements: { element: string; clicks: number }[]
}

const SQL = {
  rollup: {
    scroll: `SELECT depth, sum(views) AS n FROM {scroll} GROUP BY depth ORDER BY depth`,
    moves: `SELECT sumForEachMerge(moves) AS grid FROM {scroll}`,
    clicks: `SELECT cell_x AS x, cell_y AS y, element, sum(clicks) AS n FROM {clicks} GROUP BY x, y, element`,
  },
  events: {
    scroll: `SELECT intDiv(scroll, 10) * 10 AS depth, count() AS n FROM tellen.events WHERE type = 'leave' AND ${rangeWhere('ts')}{where} GROUP BY depth ORDER BY depth`,
    // A grid of another length counts as zeros (as in rollup_scroll_mv), so only full grids are summed:
    // no per-row array is built, and the length is read from the array sizes alone. `events.grid`: the
    // alias would shadow the column in WHERE.
    moves: `SELECT sumForEach(grid) AS grid FROM tellen.events
            WHERE type = 'leave' AND ${rangeWhere('ts')} AND length(events.grid) = ${GRID_COLUMNS * GRID_ROWS}{where}`,
    clicks: `SELECT cell_x AS x, cell_y AS y, target AS element, count() AS n FROM tellen.events WHERE type = 'click' AND ${rangeWhere('ts')}{where} GROUP BY x, y, element`,
  },
} as const

/**
 * Filters on page, country and device only: scroll depths and movement grids from the audience rollup
 * (sql/050), which holds the same leave events summed per page, country, device and hour; clicks
 * (about as many distinct cells and elements per hour as clicks) still from the events.
 */
const AUDIENCE = { table: 'tellen.rollup_scroll_audience', columns: { page: 'path', country: 'country', device: 'device' } as Partial<Record<Dimension, string>> }
const audienceWhere = (filters: Filters) => filterDims(filters).map((d) => ` AND ${AUDIENCE.columns[d]!} = {f_${d}:String}`).join('')
const AUDIENCE_SQL = {
  ...SQL.events,
  // Cell i of `depths` counts the depths i * 10 to i * 10 + 9; buckets without views are left out, as in the events' answer.
  scroll: `SELECT toUInt8(i * 10) AS depth, n
           FROM (SELECT sumForEachMerge(depths) AS views FROM ${AUDIENCE.table} WHERE ${rangeWhere('hour')}{audience})
           ARRAY JOIN views AS n, range(length(views)) AS i WHERE n > 0 ORDER BY depth`,
  moves: `SELECT sumForEachMerge(moves) AS grid FROM ${AUDIENCE.table} WHERE ${rangeWhere('hour')}{audience}`,
}

/**
 * Filtered by one visit dimension (source, referrer, UTM tag, entry or exit page): from what the visits
 * job keeps by it (sql/060): scroll depths and both grids per hour, clicks per element.
 */
const visitDetailSql = (dimension: Dimension) => {
  const from = visitDetailFrom('tellen.rollup_visit_interactions', dimension, '1')
  return {
    scroll: `SELECT toUInt8(i * 10) AS depth, n FROM (SELECT sumForEach(depths) AS views ${from})
             ARRAY JOIN views AS n, range(length(views)) AS i WHERE n > 0 ORDER BY depth`,
    moves: `SELECT sumForEach(moves) AS grid ${from}`,
    clickGrid: `SELECT sumForEach(clicks) AS grid ${from}`,
    elements: `SELECT element, sum(clicks) AS n ${visitDetailFrom('tellen.rollup_visit_elements', dimension, 'clicks > 0')} GROUP BY element`,
  }
}

/**
 * How visitors interacted with a page (or the whole site without a page filter): scroll depth
 * distribution, click and mouse-movement grids, and the top clicked elements.
 */
export async function interactions(db: Db, q: StatsQuery, topElements = 20): Promise<InteractionsResult> {
  const rollup = onlyPageFilter(q.filters)
  const visitDimension = rollup ? undefined : visitDetailDimension(q.filters)
  const audience = filterDims(q.filters).every((d) => AUDIENCE.columns[d] !== undefined)
  const sql = rollup ? SQL.rollup : audience ? AUDIENCE_SQL : SQL.events
  const fill = (s: string) =>
    s
      .replace('{scroll}', () => rollupSpan('tellen.rollup_scroll', pageWhere(q.filters)))
      .replace('{clicks}', () => rollupSpan('tellen.rollup_clicks', pageWhere(q.filters)))
      .replace('{where}', () => eventsWhere(q.filters))
      .replace('{audience}', () => (audience ? audienceWhere(q.filters) : ''))
  const params = { ...baseParams(q), ...filterParams(q.filters) }
  const run = async <T>(query: string) => (await db.query({ query: fill(query), query_params: params, format: 'JSONEachRow' })).json<T>()
  const grid = (flat: readonly (number | string)[] = []) => {
    const rows = Array.from({ length: GRID_ROWS }, () => new Array<number>(GRID_COLUMNS).fill(0))
    flat.forEach((n, i) => (rows[Math.floor(i / GRID_COLUMNS)]![i % GRID_COLUMNS] = Number(n)))
    return rows
  }
  const elements = new Map<string, number>()
  let clickGrid: number[][]
  let scroll: { depth: number; n: number }[]
  let moves: { grid: number[] }[]
  if (visitDimension) {
    const v = visitDetailSql(visitDimension)
    let flatClicks: { grid: number[] }[]
    let clicked: { element: string; n: number }[]
    ;[scroll, moves, flatClicks, clicked] = await Promise.all([
      run<{ depth: number; n: number }>(v.scroll),
      run<{ grid: number[] }>(v.moves),
      run<{ grid: number[] }>(v.clickGrid),
      run<{ element: string; n: number }>(v.elements),
    ])
    clickGrid = grid(flatClicks[0]?.grid)
    for (const c of clicked) elements.set(c.element, Number(c.n))
  } else {
    let clicks: { x: number; y: number; element: string; n: number }[]
    ;[scroll, moves, clicks] = await Promise.all([
      run<{ depth: number; n: number }>(sql.scroll),
      run<{ grid: number[] }>(sql.moves),
      run<{ x: number; y: number; element: string; n: number }>(sql.clicks),
    ])
    clickGrid = grid()
    for (const c of clicks) {
      clickGrid[c.y]![c.x]! += Number(c.n)
      elements.set(c.element, (elements.get(c.element) ?? 0) + Number(c.n))
    }
  }
  const moveGrid = grid(moves[0]?.grid)
  return {
    source: rollup || visitDimension ? 'rollup' : 'events',
    scroll: scroll.map((r) => ({ depth: Number(r.depth), views: Number(r.n) })),
    clicks: clickGrid,
    moves: moveGrid,
    elements: [...elements.entries()]
      .map(([element, n]) => ({ element, clicks: n }))
      .sort((a, b) => b.clicks - a.clicks || (a.element < b.element ? -1 : 1))
      .slice(0, topElements),
  }
}

import { defaultInterval, intervalsFor, periodRange, todayIn, type Interval, type Range } from './period.ts'
import { DIMENSIONS, type ViewState } from './state.ts'
import type { SiteInfo } from './types.ts'

/** What every part of the dashboard renders from: the state, the site, its days and the query. */
export interface View {
  state: ViewState
  site: SiteInfo
  range: Range
  interval: Interval
  /** `from`, `to` and one parameter per filter, as every stats endpoint takes them. */
  params: Record<string, string>
  /** A key of the range and filters: a panel reloads when it changes. */
  key: string
  /** Changes the state, records it in the URL (a new history entry) and renders again. */
  navigate(next: Partial<ViewState>): void
}

/** Derives the days, interval and query parameters of a state for a site. */
export function viewOf(state: ViewState, site: SiteInfo, navigate: View['navigate'], now = new Date()): View {
  const range = periodRange(state.period, todayIn(site.timezone, now), { from: state.from, to: state.to })
  const allowed = intervalsFor(range)
  const interval = state.interval && allowed.includes(state.interval) ? state.interval : defaultInterval(range)
  const params: Record<string, string> = { from: range.from, to: range.to }
  for (const d of DIMENSIONS) {
    const v = state.filters[d]
    if (v !== undefined) params[d] = v
  }
  const key = `${site.domain}?${new URLSearchParams(params).toString()}`
  return { state, site, range, interval, params, key, navigate }
}

/** The path of a site's stats endpoint. */
export const sitePath = (site: SiteInfo, endpoint: string) => `${encodeURIComponent(site.domain)}/${endpoint}`

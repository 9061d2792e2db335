import { OPT_OUT_HEADERS } from './policy.ts'

/** An opt-out signal a request may carry: Global Privacy Control or Do Not Track. */
export type OptOutSignal = 'gpc' | 'dnt'

/** Which opt-out signal a request carries: `gpc` for Sec-GPC: 1, `dnt` for DNT: 1, else undefined. */
export function optOutSignal(header: (name: string) => string | undefined): OptOutSignal | undefined {
  if (header(OPT_OUT_HEADERS.gpc)?.trim() === '1') return 'gpc'
  if (header(OPT_OUT_HEADERS.dnt)?.trim() === '1') return 'dnt'
  return undefined
}

/** The hour bucket of a time, as ClickHouse reads a DateTime('UTC'): `YYYY-MM-DD HH:00:00`. */
export const utcHour = (ms: number) => `${new Date(ms).toISOString().slice(0, 13)}:00:00`

/** One row for `tellen.rollup_honoured`: a request of `site` that was not tracked, in the hour of `now`. */
export const honouredRow = (site: string, now: number) => JSON.stringify({ site, hour: utcHour(now), requests: 1 })

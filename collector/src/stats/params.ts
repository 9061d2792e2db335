import { z } from 'zod'
import { DIMENSIONS, type Dimension, type Filters } from './dimensions.ts'
import { MAX_URL_LENGTH } from '../protocol.ts'
import { addDays, FIRST_DAY, LAST_DAY, rangeDays } from './range.ts'
import { INTERVALS, TIMESERIES_METRICS } from './queries/timeseries.ts'
import { ParamError } from './param-error.ts'

/** The longest range a question may cover, and the longest one asked by the hour. */
export const MAX_RANGE_DAYS = 731
export const MAX_HOURLY_DAYS = 31
export const MAX_LIMIT = 1000

/** A day of a range, as `YYYY-MM-DD`: a calendar day from FIRST_DAY to LAST_DAY. */
export const daySchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date as YYYY-MM-DD')
  .refine((d) => !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d), { error: 'is not a calendar date', abort: true })
  .refine((d) => d >= FIRST_DAY && d <= LAST_DAY, `must be a day from ${FIRST_DAY} to ${LAST_DAY}`)
const day = daySchema

const count = (name: string, min: number, max: number, fallback: number) =>
  z.coerce
    .number({ error: `${name} must be a whole number` })
    .int(`${name} must be a whole number`)
    .min(min, `${name} must be at least ${min}`)
    .max(max, `${name} must be at most ${max}`)
    .default(fallback)

// As long as any stored value may be (a path or a campaign tag comes from a URL of up to 2,048
// characters, and scrubbing may encode it further), so that every row an answer shows can be a filter.
const filterValue = z.string().min(1, 'must not be empty').max(2 * MAX_URL_LENGTH, `must be at most ${2 * MAX_URL_LENGTH} characters`)

const common = {
  from: day.optional(),
  to: day.optional(),
  ...Object.fromEntries(DIMENSIONS.map((d) => [d, filterValue.optional()])),
} as Record<'from' | 'to', z.ZodOptional<typeof day>> & Record<Dimension, z.ZodOptional<typeof filterValue>>

const paging = { limit: count('limit', 1, MAX_LIMIT, 10), offset: count('offset', 0, 100_000, 0) }

/** The query string each endpoint takes: the range, filters on any dimension, and its own options. */
export const ENDPOINT_PARAMS = {
  overview: z.strictObject(common),
  timeseries: z.strictObject({
    ...common,
    metric: z.enum(TIMESERIES_METRICS, { error: `metric must be one of ${TIMESERIES_METRICS.join(', ')}` }).default('visitors'),
    interval: z.enum(INTERVALS, { error: `interval must be one of ${INTERVALS.join(', ')}` }).default('day'),
  }),
  breakdown: z.strictObject({ ...common, ...paging, goal: z.string().min(1, 'goal must not be empty').max(64, 'goal must be at most 64 characters').optional() }),
  list: z.strictObject({ ...common, ...paging }),
  errors: z.strictObject({ ...common, ...paging, kind: z.string().min(1).max(20).optional() }),
  interactions: z.strictObject({ ...common, elements: count('elements', 1, 100, 20) }),
  realtime: z.strictObject(common),
  goals: z.strictObject(common),
  funnel: z.strictObject({ ...common, steps: z.string({ error: 'steps is required: a comma-separated list of page patterns and event:<name>' }).max(8 * 2 * MAX_URL_LENGTH, 'steps is too long') }),
  // The chosen page is the `page` parameter, which also keeps the visits that viewed it.
  journeys: z.strictObject({ ...common, limit: count('limit', 1, 100, 10) }),
  // Rejections keep no page, source or technology: only the range and how many networks to list.
  security: z.strictObject({ from: day.optional(), to: day.optional(), limit: count('limit', 1, 100, 10) }),
} as const

export { ParamError } from './param-error.ts'

/** Parses a query string with one of the endpoint schemas, or throws a ParamError that names the parameter. */
export function parseParams<K extends keyof typeof ENDPOINT_PARAMS>(kind: K, query: Record<string, string>): z.infer<(typeof ENDPOINT_PARAMS)[K]> {
  const parsed = ENDPOINT_PARAMS[kind].safeParse(query)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    if (issue.code === 'unrecognized_keys') throw new ParamError(`unknown parameter ${issue.keys.map((k) => `"${k}"`).join(', ')}`)
    const name = issue.path.join('.')
    throw new ParamError(issue.message.startsWith(name) ? issue.message : `${name} ${issue.message}`)
  }
  return parsed.data as z.infer<(typeof ENDPOINT_PARAMS)[K]>
}

/**
 * Formats of a date as YYYY-MM-DD, by time zone, made once: making one took 0.13 ms of CPU (warm)
 * against 2 µs to use one, and the collector of the stats differential test spent 1.1 s of its 14 s
 * of JavaScript making them. The time zones are the sites' own, so the map stays small.
 */
const dayFormats = new Map<string, Intl.DateTimeFormat>()

/** Today's date in a time zone. */
export function today(tz: string, now = Date.now()): string {
  let format = dayFormats.get(tz)
  if (!format) dayFormats.set(tz, (format = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })))
  return format.format(new Date(now))
}

/**
 * The inclusive range asked for: `from` and `to`, by default the 30 days up to today in the site's
 * time zone. Throws a ParamError when `from` is after `to` or the range is longer than the limit.
 */
export function resolveRange(p: { from?: string | undefined; to?: string | undefined }, tz: string, maxDays = MAX_RANGE_DAYS) {
  const to = p.to ?? (p.from ? addDays(p.from, 29) : today(tz))
  const from = p.from ?? addDays(to, -29)
  // A day filled in from the other may fall outside the days a question may name.
  for (const day of [from, to]) if (day < FIRST_DAY || day > LAST_DAY) throw new ParamError(`the range ${from} to ${to} must lie within ${FIRST_DAY} to ${LAST_DAY}`)
  if (from > to) throw new ParamError(`from (${from}) is after to (${to})`)
  const days = rangeDays(from, to)
  if (days > maxDays) throw new ParamError(`the range covers ${days} days; at most ${maxDays} may be asked at once`)
  return { from, to }
}

/** The filters among parsed parameters. */
export function filtersOf(p: Partial<Record<Dimension, string | undefined>>): Filters {
  const out: Filters = {}
  for (const d of DIMENSIONS) if (p[d] !== undefined) out[d] = p[d]
  return out
}

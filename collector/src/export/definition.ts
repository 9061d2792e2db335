import { z } from 'zod'
import { ParamError } from '../stats/param-error.ts'
import { DEFAULT_EPSILON, EPSILON_UNIT } from './mechanism.ts'
import { PERIOD_KINDS, type PeriodKind } from './periods.ts'

/** What a dataset may group by: attributes of a visit, each a column of `tellen.rollup_visits`. */
export const DATASET_COLUMNS = {
  country: 'country',
  device: 'device',
  browser: 'browser',
  browser_version: 'browser_version',
  os: 'os',
  os_version: 'os_version',
  screen: 'screen',
  timezone: 'timezone',
  language: 'language',
  source: 'source',
  referrer: 'referrer_host',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  entry_page: 'entry_page',
  exit_page: 'exit_page',
} as const
export type DatasetDimension = keyof typeof DATASET_COLUMNS
export const DATASET_DIMENSIONS = Object.keys(DATASET_COLUMNS) as DatasetDimension[]

/** What a dataset counts. Visitors are always released: a row is kept or withheld by its noisy visitor count. */
export const DATASET_METRICS = ['visitors', 'pageviews'] as const
export type DatasetMetric = (typeof DATASET_METRICS)[number]

/** At most this many dimensions: more would cut nearly every row below the threshold. */
export const MAX_DATASET_DIMENSIONS = 4
/** The largest epsilon a single dataset may have, whatever the budget. */
export const MAX_DATASET_EPSILON = 20

/** A dataset as the site owner defines it. */
export interface DatasetDefinition {
  site: string
  name: string
  dimensions: DatasetDimension[]
  metrics: DatasetMetric[]
  period: PeriodKind
  /** Epsilon in thousandths (see EPSILON_UNIT). */
  epsilonMilli: number
}

const names = <T extends string>(label: string, allowed: readonly T[]) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : v === '' ? [] : v.split(',')).map((x) => x.trim()))
    .superRefine((items, ctx) => {
      const unknown = items.find((x) => !allowed.includes(x as T))
      if (unknown !== undefined) ctx.addIssue({ code: 'custom', message: `unknown ${label} "${unknown.slice(0, 50)}"; one of ${allowed.join(', ')}` })
      else if (new Set(items).size !== items.length) ctx.addIssue({ code: 'custom', message: `names a ${label} twice` })
    })
    .transform((items) => items as T[])

const epsilon = z
  .union([z.number(), z.string()])
  .transform((v) => String(v).trim())
  .refine((v) => /^\d{1,3}(\.\d{1,3})?$/.test(v), 'must be a number with at most three decimals, such as 0.5 or 2')
  .transform((v) => Math.round(Number(v) * EPSILON_UNIT))
  .refine((milli) => milli > 0, 'must be more than 0')
  .refine((milli) => milli <= MAX_DATASET_EPSILON * EPSILON_UNIT, `must be at most ${MAX_DATASET_EPSILON}`)

const schema = z.strictObject({
  site: z.string().trim().toLowerCase().min(1).max(253),
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'must be 1 to 63 lowercase letters, digits, - or _, starting with a letter or digit'),
  dimensions: names('dimension', DATASET_DIMENSIONS).refine((d) => d.length <= MAX_DATASET_DIMENSIONS, `must name at most ${MAX_DATASET_DIMENSIONS}`).default([]),
  metrics: names('metric', DATASET_METRICS)
    .refine((m) => m.includes('visitors'), 'must include visitors: a row is kept or withheld by its noisy visitor count')
    .default(['visitors', 'pageviews']),
  period: z.enum(PERIOD_KINDS, { error: `must be one of ${PERIOD_KINDS.join(', ')}` }).default('day'),
  epsilon: epsilon.default(DEFAULT_EPSILON * EPSILON_UNIT),
})

/**
 * Reads a dataset definition (the admin API's body, or the CLI's options); throws a ParamError that
 * names the field.
 * @example parseDefinition({ site: 'example.com', name: 'by-country', dimensions: 'country,device', period: 'week' })
 */
export function parseDefinition(body: unknown): DatasetDefinition {
  const parsed = schema.safeParse(body ?? {})
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    if (issue.code === 'unrecognized_keys') throw new ParamError(`unknown field ${issue.keys.map((k) => `"${k}"`).join(', ')}`)
    throw new ParamError(`${issue.path.join('.') || 'body'}: ${issue.message}`)
  }
  const { epsilon: epsilonMilli, ...rest } = parsed.data
  return { ...rest, epsilonMilli }
}

/** Epsilon in thousandths as the owner writes it: 2000 → "2", 500 → "0.5". */
export const formatEpsilon = (milli: number) => String(milli / EPSILON_UNIT)

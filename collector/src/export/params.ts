import { z } from 'zod'
import { daySchema, ParamError, resolveRange } from '../stats/params.ts'

/** What an export may group by: the day, and the dimensions the rollups keep (custom events aside). */
export const EXPORT_DIMENSIONS = [
  'day', 'page', 'entry_page', 'exit_page', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign',
  'country', 'browser', 'browser_version', 'os', 'os_version', 'device', 'screen', 'timezone', 'language',
] as const
export type ExportDimension = (typeof EXPORT_DIMENSIONS)[number]

/** What an exported row may count: distinct visitors, pageviews, and visits. */
export const EXPORT_METRICS = ['visitors', 'pageviews', 'visits'] as const
export type ExportMetric = (typeof EXPORT_METRICS)[number]

export const EXPORT_FORMATS = ['csv', 'ndjson', 'parquet'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

/** At most this many dimensions at once: more would cut the rows below any threshold anyway. */
export const MAX_EXPORT_DIMENSIONS = 4
/** The highest threshold that may be asked for. */
export const MAX_K = 1_000_000

/** One export: the site's range, the grouping, the counts, the format and the threshold. */
export interface ExportRequest {
  from: string
  to: string
  dimensions: ExportDimension[]
  metrics: ExportMetric[]
  format: ExportFormat
  /** Rows describing fewer distinct visitors than this are left out. */
  k: number
}

/** A comma-separated list of names from `allowed`, each at most once, in the order given. */
function list<T extends string>(name: string, allowed: readonly T[], min: number, max: number) {
  return z.string().transform((v, ctx) => {
    const items = v === '' ? [] : v.split(',').map((x) => x.trim())
    const unknown = items.find((x) => !allowed.includes(x as T))
    if (unknown !== undefined) {
      ctx.addIssue({ code: 'custom', message: `${name}: unknown ${name.replace(/s$/, '')} "${unknown.slice(0, 50)}"; one of ${allowed.join(', ')}` })
      return z.NEVER
    }
    if (new Set(items).size !== items.length) {
      ctx.addIssue({ code: 'custom', message: `${name} names a ${name.replace(/s$/, '')} twice` })
      return z.NEVER
    }
    if (items.length < min || items.length > max) {
      ctx.addIssue({ code: 'custom', message: `${name} must name ${min === max ? min : `${min} to ${max}`} of ${allowed.join(', ')}` })
      return z.NEVER
    }
    return items as T[]
  })
}

const day = daySchema

const schema = z.strictObject({
  from: day.optional(),
  to: day.optional(),
  dimensions: list('dimensions', EXPORT_DIMENSIONS, 0, MAX_EXPORT_DIMENSIONS).default(['day']),
  metrics: list('metrics', EXPORT_METRICS, 1, EXPORT_METRICS.length).default(['visitors', 'pageviews']),
  format: z.enum(EXPORT_FORMATS, { error: `format must be one of ${EXPORT_FORMATS.join(', ')}` }).default('csv'),
  k: z.string().regex(/^\d{1,7}$/, 'k must be a whole number').transform(Number).optional(),
})

/**
 * Parses an export's query string, in the site's time zone, with `minK` the configured threshold
 * (no request may go below it). Throws a ParamError that names the parameter.
 * @example parseExport({ dimensions: 'day,country', format: 'ndjson' }, 'UTC', 10)
 */
export function parseExport(query: Record<string, string>, tz: string, minK: number): ExportRequest {
  const parsed = schema.safeParse(query)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    if (issue.code === 'unrecognized_keys') throw new ParamError(`unknown parameter ${issue.keys.map((k) => `"${k}"`).join(', ')}`)
    const name = issue.path.join('.')
    throw new ParamError(issue.message.startsWith(name) ? issue.message : `${name} ${issue.message}`)
  }
  const p = parsed.data
  const k = p.k ?? minK
  if (k < minK) throw new ParamError(`k must be at least ${minK}: no export may describe fewer visitors in a row`)
  if (k > MAX_K) throw new ParamError(`k must be at most ${MAX_K}`)
  return { ...resolveRange(p, tz), dimensions: p.dimensions, metrics: p.metrics, format: p.format, k }
}

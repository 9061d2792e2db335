import { z } from 'zod'
import type { Db } from '../db/client.ts'
import { daySchema, ParamError } from '../stats/params.ts'
import type { ExportDataset } from './datasets.ts'
import { UncountedDaysError } from './day-counts.ts'
import { releasedRows, type ReleasedRows } from './download.ts'
import { EXPORT_FORMATS, type ExportFormat } from './params.ts'
import { periodsOf, releasableAt } from './periods.ts'
import { freezeRelease, releasedPeriods } from './release.ts'

/** The most periods one download may span (a year of days). */
export const MAX_PERIODS_PER_DOWNLOAD = 366

const schema = z.strictObject({
  from: daySchema,
  to: daySchema,
  format: z.enum(EXPORT_FORMATS, { error: `must be one of ${EXPORT_FORMATS.join(', ')}` }).default('csv'),
})

/** A download's span, as the starts of its periods, and its format. */
export interface DownloadRequest {
  from: string
  to: string
  starts: string[]
  format: ExportFormat
}

/**
 * Reads a download's query string against its dataset: a span of whole, closed periods and a format.
 * Throws a ParamError that names what is wrong.
 * @example parseDownload({ from: '2026-11-02', to: '2026-11-15', format: 'ndjson' }, weeklyDataset, Date.now())
 */
export function parseDownload(query: Record<string, string>, dataset: ExportDataset, now: number): DownloadRequest {
  const parsed = schema.safeParse(query)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    if (issue.code === 'unrecognized_keys') {
      throw new ParamError(`unknown parameter ${issue.keys.map((k) => `"${k.slice(0, 50)}"`).join(', ')}: a download takes from, to and format; the dataset fixes everything else`)
    }
    throw new ParamError(`${issue.path.join('.')} ${issue.code === 'invalid_type' ? 'is required (YYYY-MM-DD)' : issue.message}`)
  }
  const { from, to, format } = parsed.data
  if (from > to) throw new ParamError(`from ${from} is after to ${to}`)
  const span = periodsOf(from, to, dataset.period)
  if ('problem' in span) throw new ParamError(`the span must be whole periods of the dataset "${dataset.name}": ${span.problem}`)
  if (span.starts.length > MAX_PERIODS_PER_DOWNLOAD) throw new ParamError(`the span holds ${span.starts.length} periods; one download may hold at most ${MAX_PERIODS_PER_DOWNLOAD}`)
  const last = span.starts[span.starts.length - 1]!
  const opens = releasableAt(last, dataset.period)
  if (opens > now) {
    throw new ParamError(
      `the ${dataset.period} starting ${last} is not closed: it is released from ${new Date(opens).toISOString()}, once late events can no longer change it`,
    )
  }
  return { from, to, starts: span.starts, format }
}

/** Thrown when a period of a download has no release and cannot get one: some of its days can no longer be counted. */
export class PeriodGoneError extends Error {
  override name = 'PeriodGoneError'
}

/**
 * Freezes the releases of a span that do not exist yet (at threshold `k`), then reads the span.
 * Throws a PeriodGoneError naming the period when one cannot be counted whole.
 * @example const { stream } = await downloadRelease(db, dataset, parseDownload(query, dataset, Date.now()), 10)
 */
export async function downloadRelease(db: Db, dataset: ExportDataset, request: DownloadRequest, k: number): Promise<ReleasedRows> {
  const released = await releasedPeriods(db, dataset, request.starts)
  for (const start of request.starts) {
    if (released.has(start)) continue
    try {
      await freezeRelease(db, dataset, start, k)
    } catch (err) {
      if (!(err instanceof UncountedDaysError)) throw err
      throw new PeriodGoneError(`the ${dataset.period} starting ${start} of the dataset "${dataset.name}" cannot be released: ${err.message}`)
    }
  }
  return releasedRows(db, dataset, request.from, request.starts[request.starts.length - 1]!, request.format)
}

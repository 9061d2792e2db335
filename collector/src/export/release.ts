import { randomBytes } from 'node:crypto'
import type { Db } from '../db/client.ts'
import { cryptoSource, discreteLaplace, type Scale, type UniformSource } from './discrete-laplace.ts'
import type { ExportDataset } from './datasets.ts'
import { noiseScales, releaseThreshold } from './mechanism.ts'
import { nextPeriod } from './periods.ts'
import { releaseCounts } from './release-counts.ts'

/**
 * For each period, the release readers take: the one whose seal ClickHouse stamped first (then the
 * lowest id), so that two collectors freezing the same period at once still show one release.
 */
export const WINNING_RELEASES = `SELECT period, argMin(release_id, (computed, release_id)) AS release_id
  FROM tellen.export_releases
  WHERE site = {site:String} AND dataset_id = {dataset:String} AND is_seal = 1 AND period >= {from:Date} AND period <= {to:Date}
  GROUP BY period`

/** The starts of the periods among `starts` that have a release. */
export async function releasedPeriods(db: Db, dataset: ExportDataset, starts: readonly string[]): Promise<Set<string>> {
  if (!starts.length) return new Set()
  const rs = await db.query({
    query: `SELECT toString(period) AS period FROM (${WINNING_RELEASES})`,
    query_params: { site: dataset.site, dataset: dataset.id, from: starts[0], to: starts[starts.length - 1] },
    format: 'JSONEachRow',
  })
  return new Set((await rs.json<{ period: string }>()).map((r) => r.period))
}

/** A released row: a group's noisy counts. */
export interface NoisyRow {
  groups: string[]
  visitors: number
  pageviews: number
}

const noisy = (value: number, scale: Scale, source: UniformSource) => value + discreteLaplace(scale.numerator, scale.denominator, source)

/**
 * Adds discrete Laplace noise to every group's counts, keeps the groups whose noisy visitor count is
 * at least `k`, and says how many rows are withheld: the noisy number of groups minus the rows kept
 * (itself noised, since how many groups there are depends on who came).
 * @example addNoise(counts, noiseScales(dataset), 10)
 */
export function addNoise(
  counts: readonly { groups: string[]; visitors: number; pageviews: number }[],
  scales: ReturnType<typeof noiseScales>,
  k: number,
  source: UniformSource = cryptoSource,
): { rows: NoisyRow[]; withheld: number } {
  const rows: NoisyRow[] = []
  for (const c of counts) {
    const visitors = noisy(c.visitors, scales.visitors, source)
    const pageviews = Math.max(0, noisy(c.pageviews, scales.pageviews, source))
    if (visitors >= k) rows.push({ groups: c.groups, visitors, pageviews })
  }
  const groups = Math.max(0, noisy(counts.length, scales.groups, source))
  return { rows, withheld: Math.max(0, groups - rows.length) }
}

/**
 * Computes and freezes the release of the period starting on `start`, unless it exists, keeping the
 * rows whose noisy visitor count reaches `releaseThreshold` (k, or more for wide noise). The rows and
 * the seal go in one insert with a deduplication token of the dataset and period, so a retry or a
 * second collector racing this one adds nothing that readers would take.
 * @example await freezeRelease(db, dataset, '2026-11-30', 10)
 */
export async function freezeRelease(db: Db, dataset: ExportDataset, start: string, k: number): Promise<void> {
  if ((await releasedPeriods(db, dataset, [start])).has(start)) return
  const counts = await releaseCounts(db, dataset.site, dataset.dimensions, start, nextPeriod(start, dataset.period))
  const { rows, withheld } = addNoise(counts, noiseScales(dataset), releaseThreshold(dataset, k))
  const release = randomBytes(8).toString('hex')
  const base = { site: dataset.site, dataset_id: dataset.id, period: start, release_id: release }
  await db.insert({
    table: 'tellen.export_releases',
    values: [
      ...rows.map((r) => ({ ...base, is_seal: 0, groups: r.groups, visitors: r.visitors, pageviews: dataset.metrics.includes('pageviews') ? r.pageviews : 0, withheld: 0 })),
      { ...base, is_seal: 1, groups: [], visitors: 0, pageviews: 0, withheld },
    ],
    format: 'JSONEachRow',
    clickhouse_settings: { insert_deduplication_token: `release:${dataset.site}:${dataset.id}:${start}` },
  })
}

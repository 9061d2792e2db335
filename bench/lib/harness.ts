import fs from 'node:fs'
import { fileURLToPath } from 'node:url'

/** What one bench file reports: a headline figure, a markdown section for BENCHMARKS.md, raw data. */
export interface BenchResult {
  /** Names the section in BENCHMARKS.md (`<!-- bench:<id> -->`); one per bench file. */
  id: string
  title: string
  /** One comparable figure in one line, e.g. `ingest ceiling ratio 0.71 (31,200 / 44,000 req/s)`. */
  headline: string
  /** The section body in markdown: the figures, what was measured and how. */
  markdown: string
  data: Record<string, unknown>
}

/**
 * Runs `fn` when the file is executed directly (`tsx bench/x.ts`): prints the headline, and when
 * `BENCH_RESULT_FILE` is set (as `npm run bench` does) writes the whole result there as JSON.
 * @example
 * await benchMain(import.meta.url, measureIngestCeiling)
 */
export async function benchMain(moduleUrl: string, fn: () => Promise<BenchResult>): Promise<void> {
  if (process.argv[1] && fs.realpathSync(process.argv[1]) !== fs.realpathSync(fileURLToPath(moduleUrl))) return
  try {
    const result = await fn()
    process.stdout.write(`\n${result.title}: ${result.headline}\n`)
    if (process.env.BENCH_RESULT_FILE) fs.writeFileSync(process.env.BENCH_RESULT_FILE, JSON.stringify(result, null, 2))
    process.exit(0)
  } catch (err) {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
    process.exit(1)
  }
}

/** Logs progress on stderr so stdout keeps only the headline. */
export const progress = (message: string) => process.stderr.write(`  ${message}\n`)

/** Formats a number with thousands separators and `digits` decimals. */
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })

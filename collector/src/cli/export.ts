import fs from 'node:fs'
import { Readable, type Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Command } from 'commander'
import { loadConfig } from '../config.ts'
import { migrate } from '../db/migrate.ts'
import { EXPORT_DIMENSIONS, EXPORT_FORMATS, EXPORT_METRICS, parseExport } from '../export/params.ts'
import { exportRows } from '../export/query.ts'
import { createSiteRegistry } from '../sites.ts'
import { ParamError } from '../stats/params.ts'
import { CliError, withBackend } from './backend.ts'

interface Options {
  site: string
  from?: string
  to?: string
  dimensions?: string
  metrics?: string
  format?: string
  k?: string
  out?: string
}

/** Writes an accepted export to the file `out`, or to stdout. */
async function save(source: Readable, out: string | undefined): Promise<void> {
  const sink: Writable = out ? fs.createWriteStream(out) : process.stdout
  await pipeline(source, sink, { end: Boolean(out) })
}

/** `tellen export`: the owner's exact, thresholded export, through the running server's API or on DATA_DIR. */
export function register(program: Command): void {
  program
    .command('export')
    .description('the owner\'s ad-hoc export: rows of at least k visitors on one day (CSV, NDJSON or Parquet); partners download datasets instead (tellen exports)')
    .requiredOption('--site <domain>', 'the site to export')
    .option('--from <day>', 'first day, YYYY-MM-DD (default: 29 days before --to)')
    .option('--to <day>', 'last day, YYYY-MM-DD (default: today in the site\'s time zone)')
    .option('--dimensions <list>', `comma-separated, 0 to 4 of ${EXPORT_DIMENSIONS.join(', ')} (default: day)`)
    .option('--metrics <list>', `comma-separated, of ${EXPORT_METRICS.join(', ')} (default: visitors,pageviews)`)
    .option('--format <format>', `one of ${EXPORT_FORMATS.join(', ')} (default: csv)`)
    .option('--k <n>', 'leave out rows of fewer visitors than this (at least TELLEN_EXPORT_MIN_VISITORS)')
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (opts: Options) => {
      const site = opts.site.trim().toLowerCase()
      const query: Record<string, string> = {}
      for (const key of ['from', 'to', 'dimensions', 'metrics', 'format', 'k'] as const) if (opts[key] !== undefined) query[key] = opts[key]
      const config = loadConfig()
      const counts = await withBackend(config, {
        remote: async (api) => {
          const res = await api.download(`/api/export/${encodeURIComponent(site)}?${new URLSearchParams(query)}`)
          await save(Readable.fromWeb(res.body! as import('node:stream/web').ReadableStream), opts.out)
          return { rows: Number(res.headers.get('x-tellen-rows')), suppressed: Number(res.headers.get('x-tellen-suppressed-rows')) }
        },
        local: async (db) => {
          await migrate(db)
          const sites = createSiteRegistry(db, config.sites)
          await sites.refresh()
          const known = sites.get(site)
          if (!known) throw new CliError(`site "${site}" is not registered`)
          try {
            const result = await exportRows(db, known.domain, known.timezone, parseExport(query, known.timezone, config.exportMinVisitors))
            await save(result.stream, opts.out)
            return result
          } catch (err) {
            if (err instanceof ParamError) throw new CliError(err.message)
            throw err
          }
        },
      })
      process.stderr.write(`exported ${counts.rows} rows; ${counts.suppressed} rows of fewer than k visitors on any one day left out\n`)
    })
}

import path from 'node:path'
import { Presets, SingleBar } from 'cli-progress'
import type { Command } from 'commander'
import { loadConfig } from '../config.ts'
import { migrate } from '../db/migrate.ts'
import { demoOptionsSchema } from '../demo/options.ts'
import { registerDemoSite, runDemo, type DemoResult } from '../demo/run.ts'
import { createBatchWriter } from '../ingest/writer.ts'
import { createLogger } from '../log.ts'
import { runVisitsJob } from '../visits/sessionize.ts'
import { CliError, withBackend } from './backend.ts'

/** `tellen demo`: fills a site with realistic traffic through the real ingest pipeline. */
export function register(program: Command): void {
  program
    .command('demo')
    .description('generate realistic demo traffic for a site (through the running server, or on DATA_DIR)')
    .option('--site <domain>', 'the site to fill', 'demo.local')
    .option('--days <n>', 'days of traffic, up to today', '90')
    .option('--events <n>', 'events to generate, roughly', '1000000')
    .action(async (raw: { site: string; days: string; events: string }) => {
      const parsed = demoOptionsSchema.safeParse(raw)
      if (!parsed.success) throw new CliError(parsed.error.issues[0]!.message)
      const o = parsed.data
      const bar = new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} events | {eta_formatted} left', etaBuffer: 50 }, Presets.shades_classic)
      const started = Date.now()
      bar.start(o.events, 0)
      const progress = (events: number) => bar.update(Math.min(events, o.events))
      let result: DemoResult
      try {
        const config = loadConfig()
        result = await withBackend(config, {
          remote: async (api) => {
            const res = await api.stream('POST', '/api/admin/demo', o)
            let done: DemoResult | undefined
            for await (const line of res) {
              const msg = JSON.parse(line) as { events?: number; done?: boolean; error?: string; requests?: number }
              if (msg.error) throw new CliError(`the server failed: ${msg.error}`)
              if (msg.done) done = { events: msg.events!, requests: msg.requests! }
              else if (msg.events !== undefined) progress(msg.events)
            }
            if (!done) throw new CliError('the server stopped before the demo was done')
            return done
          },
          local: async (db) => {
            await migrate(db)
            await registerDemoSite(db, o.site)
            // The collector's own spool: what is not inserted here is replayed when it starts.
            const spoolDir = path.join(config.dataDir, 'spool', 'events')
            const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 10_000, flushIntervalMs: 1000, spoolDir, maxSpoolBytes: config.spoolMaxBytes }, createLogger('error'))
            const refused = new Map<string, { site: string; day: string; reason: string; ip_prefix: string; count: number }>()
            const r = await runDemo(o, writer, progress, (key, count) => {
              const id = `${key.day}|${key.reason}|${key.ip_prefix}`
              refused.set(id, { ...key, count: (refused.get(id)?.count ?? 0) + count })
            })
            await writer.close(60_000)
            if (refused.size) await db.insert({ table: 'tellen.rejections', values: [...refused.values()], format: 'JSONEachRow' })
            await runVisitsJob(db)
            return r
          },
        })
      } finally {
        bar.stop()
      }
      const seconds = (Date.now() - started) / 1000
      console.log(`${result.events} events in ${result.requests} requests for ${o.site} over ${o.days} days, in ${seconds.toFixed(1)} s`)
    })
}

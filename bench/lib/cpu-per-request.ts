import fs from 'node:fs'
import { startCollector } from '../../test/helpers/collector.ts'
import { COLLECTOR_ENV } from '../ingest-ceiling.ts'
import { runLoad } from './load.ts'
import { cpuByThread, cpuMicros, threadSplit } from './proc.ts'
import { prepareTraffic } from './traffic.ts'

/**
 * Server CPU per request of the collector (embedded engine, writer on) under the ceiling bench's
 * traffic, over a few rounds, without the bare and pipeline-only servers beside it: for measuring
 * one change at a time. Set EVENTS for events per request (default 1), FLUSH_MS for
 * TELLEN_FLUSH_INTERVAL_MS (default 5000, as in the ceiling bench), NODE_ARGS for the collector's
 * Node flags, space-separated (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`; the profile is written
 * when the collector stops).
 *
 * Usage: tsx bench/lib/cpu-per-request.ts [rounds] [seconds]
 */
const rounds = Number(process.argv[2] ?? 3)
const seconds = Number(process.argv[3] ?? 4)
const events = Number(process.env.EVENTS ?? 1)
const requests = prepareTraffic({ site: 'example.com', count: 200, eventsPerRequest: events, botShare: events > 1 ? 0 : 0.02, seed: 7 })
const collector = await startCollector(
  { ...COLLECTOR_ENV, ...(process.env.FLUSH_MS ? { TELLEN_FLUSH_INTERVAL_MS: process.env.FLUSH_MS } : {}) },
  undefined,
  (process.env.NODE_ARGS ?? '').split(' ').filter(Boolean),
)
const pid = collector.process.pid!
const settle = () => new Promise((r) => setTimeout(r, 1500))
try {
  await runLoad({ url: collector.url, requests, seconds: 2, connections: 50 })
  await settle()
  const figures: string[] = []
  for (let i = 0; i < rounds; i++) {
    const before = cpuMicros(pid)
    const tBefore = cpuByThread(pid)
    const r = await runLoad({ url: collector.url, requests, seconds, connections: 50 })
    await settle()
    const cpu = cpuMicros(pid) - before
    process.stderr.write(`  by thread, µs/req: ${threadSplit(tBefore, cpuByThread(pid), r.responses, 0.5)}\n`)
    figures.push(`${(cpu / r.responses).toFixed(1)} µs/req (${Math.round(r.responses / seconds)} req/s, non-2xx ${r.non2xx})`)
  }
  process.stdout.write(`${figures.join('; ')}\n`)
} finally {
  await collector.stop()
  fs.rmSync(collector.dataDir, { recursive: true, force: true })
}

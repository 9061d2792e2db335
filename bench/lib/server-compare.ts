import fs from 'node:fs'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { COLLECTOR_ENV } from '../ingest-ceiling.ts'
import { runLoad } from './load.ts'
import { cpuMicros } from './proc.ts'
import { prepareTraffic } from './traffic.ts'

/**
 * Server CPU per request of `POST /api/event` in two (or more) checkouts of Tellen, each started
 * as its own server at once and loaded at the maximum rate in alternating rounds (the order reversed
 * every round), so that other work on a shared machine falls on all of them alike: prints each
 * checkout's median and the median of the paired ratios against the first. KIND is `pipeline` (the
 * checkout's bench/lib/pipeline-only.ts, no storage) or `collector` (the whole collector with its
 * embedded engine, as in the ceiling bench).
 *
 * Usage: tsx bench/lib/server-compare.ts KIND ROUNDS SECONDS DIR_BEFORE DIR_AFTER [DIR...]
 * @example
 * // tsx bench/lib/server-compare.ts pipeline 10 4 ../before .
 */
const [kind = 'pipeline', roundsArg = '10', secondsArg = '4', ...dirs] = process.argv.slice(2)
if (dirs.length < 2 || (kind !== 'pipeline' && kind !== 'collector')) {
  throw new Error('usage: server-compare.ts pipeline|collector ROUNDS SECONDS DIR_BEFORE DIR_AFTER [DIR...]')
}
const CONNECTIONS = 50
const WARMUP_SECONDS = 3
/** After each round the collector writes what it accepted; its CPU per request includes that. */
const SETTLE_MS = kind === 'collector' ? 1500 : 300

interface Server {
  name: string
  url: string
  pid: number
  stop(): Promise<void>
}

async function start(dir: string): Promise<Server> {
  const root = path.resolve(dir)
  const name = path.basename(root)
  if (kind === 'collector') {
    const { startCollector } = await import(path.join(root, 'test/helpers/collector.ts'))
    const c = await startCollector(COLLECTOR_ENV)
    return {
      name, url: c.url, pid: c.process.pid,
      async stop() {
        await c.stop()
        fs.rmSync(c.dataDir, { recursive: true, force: true })
      },
    }
  }
  const { startScript } = await import(path.join(root, 'bench/lib/servers.ts'))
  const { TELLEN_FLUSH_INTERVAL_MS: _, ...env } = COLLECTOR_ENV
  const s = await startScript('pipeline-only.ts', env)
  return { name, url: s.url, pid: s.pid, stop: () => s.stop() }
}

const servers: Server[] = []
try {
  for (const dir of dirs) servers.push(await start(dir))
  const requests = prepareTraffic({ site: 'example.com', count: 200, eventsPerRequest: 1, botShare: 0.02 })
  for (const s of servers) await runLoad({ url: s.url, requests, seconds: WARMUP_SECONDS, connections: CONNECTIONS })
  const perRequest = servers.map(() => [] as number[])
  for (let round = 0; round < Number(roundsArg); round++) {
    const order = round % 2 ? [...servers.keys()].reverse() : [...servers.keys()]
    for (const k of order) {
      const s = servers[k]!
      const before = cpuMicros(s.pid)
      const r = await runLoad({ url: s.url, requests, seconds: Number(secondsArg), connections: CONNECTIONS })
      await sleep(SETTLE_MS)
      perRequest[k]!.push((cpuMicros(s.pid) - before) / r.responses)
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
  process.stdout.write(`${JSON.stringify({
    kind,
    cpuMicrosPerRequest: Object.fromEntries(servers.map((s, k) => [s.name, { median: +median(perRequest[k]!).toFixed(1), rounds: perRequest[k]!.map((x) => +x.toFixed(1)) }])),
    medianRatioToFirst: Object.fromEntries(servers.slice(1).map((s, k) => [s.name, +median(perRequest[k + 1]!.map((x, i) => x / perRequest[0]![i]!)).toFixed(3)])),
  })}\n`)
} finally {
  await Promise.all(servers.map((s) => s.stop()))
}

import { setTimeout as sleep } from 'node:timers/promises'
import { startCollector } from '../test/helpers/collector.ts'
import { benchMain, fmt, progress, type BenchResult } from './lib/harness.ts'
import { runLoad, type LoadResult } from './lib/load.ts'
import { cpuMicros, memory, mib } from './lib/proc.ts'
import { startScript } from './lib/servers.ts'
import { prepareTraffic, type PreparedRequest } from './lib/traffic.ts'

const SITE = 'example.com'
const CONNECTIONS = 50
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const LATENCY_SECONDS = Math.max(3, Math.round(SECONDS / 2))
const WARMUP_SECONDS = 3
/** The collector as it runs in production, with request lines of accepted events at debug level. */
export const COLLECTOR_ENV = { TELLEN_SITES: SITE, TRUST_PROXY: '1', TELLEN_FLUSH_INTERVAL_MS: '1000', LOG_LEVEL: 'info' }

interface Measured {
  max: LoadResult
  half: LoadResult
  /** CPU of the server process per request answered in the maximum run (including writing what it accepted). */
  cpuMicrosPerRequest: number
  peakRss: number
}

function check(name: string, r: LoadResult): void {
  if (r.non2xx || r.errors || r.timeouts) {
    throw new Error(`${name}: ${r.non2xx} non-2xx responses, ${r.errors} errors, ${r.timeouts} timeouts out of ${r.responses}`)
  }
}

/** Warms up, runs at the maximum rate, waits for writes to settle, then runs at half that rate. */
async function measure(name: string, url: string, pid: number, requests: PreparedRequest[]): Promise<Measured> {
  progress(`${name}: warm-up ${WARMUP_SECONDS} s`)
  check(name, await runLoad({ url, requests, seconds: WARMUP_SECONDS, connections: CONNECTIONS }))
  await sleep(1500)
  const cpuBefore = cpuMicros(pid)
  progress(`${name}: maximum rate, ${SECONDS} s, ${CONNECTIONS} connections`)
  const max = await runLoad({ url, requests, seconds: SECONDS, connections: CONNECTIONS })
  check(name, max)
  const peakRss = memory(pid).peak
  await sleep(1500)
  const cpuMicrosPerRequest = (cpuMicros(pid) - cpuBefore) / max.responses
  const rate = Math.round(max.rps / 2)
  progress(`${name}: ${fmt(max.rps)} req/s; latency at ${fmt(rate)} req/s, ${LATENCY_SECONDS} s`)
  const half = await runLoad({ url, requests, seconds: LATENCY_SECONDS, connections: CONNECTIONS, overallRate: rate })
  check(name, half)
  return { max, half, cpuMicrosPerRequest, peakRss }
}

/**
 * Ingest ceiling ratio: requests per second of `POST /api/event` through the whole collector (one
 * event per request, writer on, embedded ClickHouse) divided by those of a bare Hono endpoint that
 * reads the same body and answers 204, measured one after the other on this machine.
 */
export async function measureIngestCeiling(): Promise<BenchResult> {
  const requests = prepareTraffic({ site: SITE, count: 200, eventsPerRequest: 1, botShare: 0.02 })
  const bodyBytes = Math.round(requests.reduce((n, r) => n + Buffer.byteLength(r.body), 0) / requests.length)

  const bare = await startScript('bare-hono.ts')
  const bareResult = await measure('bare Hono', bare.url, bare.pid, requests).finally(() => bare.stop())

  const pipeline = await startScript('pipeline-only.ts', { TELLEN_SITES: SITE, TRUST_PROXY: '1', LOG_LEVEL: COLLECTOR_ENV.LOG_LEVEL })
  const pipelineResult = await measure('pipeline without storage', pipeline.url, pipeline.pid, requests).finally(() => pipeline.stop())

  const collector = await startCollector(COLLECTOR_ENV)
  const collectorResult = await measure('collector', collector.url, collector.process.pid!, requests).finally(() => collector.stop())

  const ratio = collectorResult.max.rps / bareResult.max.rps
  const row = (name: string, m: Measured) =>
    `| ${name} | ${fmt(m.max.rps)} | ${fmt(m.half.latencyMs.p50, 1)} | ${fmt(m.half.latencyMs.p99, 1)} | ${fmt(m.max.latencyMs.p99, 1)} | ${fmt(m.cpuMicrosPerRequest, 1)} | ${mib(m.peakRss)} |`
  const markdown = [
    '## Ingest ceiling ratio',
    '',
    `**${ratio.toFixed(2)}**: the collector answers ${fmt(collectorResult.max.rps)} req/s of \`POST /api/event\` where a bare Hono endpoint answers ${fmt(bareResult.max.rps)} req/s on the same machine in the same run (target: at least 0.6).`,
    '',
    '| server | max req/s | p50 ms at 50% | p99 ms at 50% | p99 ms at max | CPU µs per request | peak RSS MiB |',
    '|---|---|---|---|---|---|---|',
    row('bare Hono (reads the body, answers 204)', bareResult),
    row('collector pipeline, rows discarded (no ClickHouse)', pipelineResult),
    row('collector (embedded ClickHouse, writer on)', collectorResult),
    '',
    `- Load: autocannon in a separate process, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up, then ${SECONDS} s at the maximum rate, then ${LATENCY_SECONDS} s at half the measured maximum (\`overallRate\`) for the latency columns.`,
    `- Traffic: ${requests.length} prepared requests cycled per connection, one event each (${bodyBytes} bytes on average): ${'pageviews, timings, clicks and leave events'} on 22 pages with and without campaign tags, 26 real browser user agents plus 2% crawler requests (counted and dropped), client addresses in X-Forwarded-For (TRUST_PROXY=1), IPv4 and IPv6.`,
    `- Collector: \`collector/src/main.ts\` as a child process on a fresh DATA_DIR, ${Object.entries(COLLECTOR_ENV).map(([k, v]) => `${k}=${v}`).join(', ')}. Every answer was 202; the events went through validation, bot check, visitor hash, country, URL cleaning and the batched writer into the embedded engine in the same process.`,
    '- CPU µs per request: user + system time of the server process (all threads, from /proc/<pid>/stat) over the maximum run and the 1.5 s after it, divided by the requests answered. The collector\'s figure includes the inserts into ClickHouse.',
    '- The middle row runs the same `createApp` and pipeline with writers that count rows and keep none (bench/lib/pipeline-only.ts): the cost of the process without its storage engine.',
  ].join('\n')
  return {
    id: 'ingest-ceiling',
    title: 'Ingest ceiling ratio',
    headline: `${ratio.toFixed(2)} (collector ${fmt(collectorResult.max.rps)} req/s / bare Hono ${fmt(bareResult.max.rps)} req/s)`,
    markdown,
    data: { ratio, bodyBytes, bare: bareResult, pipelineOnly: pipelineResult, collector: collectorResult },
  }
}

await benchMain(import.meta.url, measureIngestCeiling)

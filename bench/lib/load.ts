import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import autocannon from 'autocannon'
import type { PreparedRequest } from './traffic.ts'

/** What a load run asks for. Without a rate, as many requests as the server answers. */
export interface LoadOptions {
  url: string
  requests: PreparedRequest[]
  /** How long to run; or, with `amount`, an upper bound that autocannon does not need. */
  seconds: number
  /** Send exactly this many requests and wait for every answer, instead of running for `seconds`. */
  amount?: number
  connections: number
  /** Requests per second over all connections, for latency at a fixed load. */
  overallRate?: number
}

/** What a load run measured. */
export interface LoadResult {
  /** Mean of the per-second request counts. */
  rps: number
  /** All responses over the run, and how many were not 2xx, failed or timed out. */
  responses: number
  non2xx: number
  errors: number
  timeouts: number
  latencyMs: { p50: number; p99: number; mean: number; max: number }
  seconds: number
  /** Wall-clock times (ms since the epoch) when autocannon started sending and when it was done. */
  startedAt: number
  endedAt: number
  /** CPU time (user + system, µs) of the load generator's process over the run. */
  cpuMicros: number
}

/**
 * Generates load from a separate process (autocannon in a child Node process), so the load
 * generator never shares an event loop with the server under test. Each connection cycles through
 * `requests` in order.
 */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-load-')), 'options.json')
  fs.writeFileSync(file, JSON.stringify(options))
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), file], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
    if (code !== 0) throw new Error(`load generator exited with ${code}`)
    return JSON.parse(out) as LoadResult
  } finally {
    fs.rmSync(path.dirname(file), { recursive: true, force: true })
  }
}

async function main(file: string): Promise<void> {
  const o = JSON.parse(fs.readFileSync(file, 'utf8')) as LoadOptions
  const startedAt = Date.now()
  const cpuBefore = process.cpuUsage()
  const r = await autocannon({
    url: o.url,
    connections: o.connections,
    ...(o.amount ? { amount: o.amount } : { duration: o.seconds }),
    requests: o.requests,
    ...(o.overallRate ? { overallRate: o.overallRate } : {}),
  })
  const result: LoadResult = {
    rps: r.requests.average,
    responses: r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    latencyMs: { p50: r.latency.p50, p99: r.latency.p99, mean: r.latency.average, max: r.latency.max },
    seconds: r.duration,
    startedAt,
    endedAt: Date.now(),
    cpuMicros: (({ user, system }) => user + system)(process.cpuUsage(cpuBefore)),
  }
  process.stdout.write(JSON.stringify(result))
}

if (process.argv[1] && fs.realpathSync(process.argv[1]) === fs.realpathSync(fileURLToPath(import.meta.url))) {
  await main(process.argv[2]!)
}

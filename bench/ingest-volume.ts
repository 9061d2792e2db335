import fs from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { rows, startCollector, withDataDir } from '../test/helpers/collector.ts'
import { COLLECTOR_ENV } from './ingest-ceiling.ts'
import { benchMain, fmt, progress, type BenchResult } from './lib/harness.ts'
import { runLoad } from './lib/load.ts'
import { cpuByThread, cpuMicros, memory, mib, threadSplit } from './lib/proc.ts'
import { prepareTraffic } from './lib/traffic.ts'

const SITE = 'example.com'
const EVENTS_PER_REQUEST = 20
const CONNECTIONS = 50
/**
 * Length of the measured run. A sustained rate needs a run long enough that the writer's batches
 * have grown to their size under load and the first merges are behind it: 10-second runs gave
 * 74,400-97,500 events/s accepted where 30-second runs of the same code gave 96,500-107,800.
 */
const SECONDS = Number(process.env.BENCH_SECONDS ?? 30)
const WARMUP_REQUESTS = 5_000
const CALIBRATION_REQUESTS = 10_000
const TARGET = 100_000

/** Waits until the collector's writer holds no rows (from /readyz), and returns when that was (ms since the epoch). */
async function drained(url: string, timeoutMs = 120_000): Promise<number> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const ready = (await fetch(`${url}/readyz`).then((r) => r.json())) as { pendingRows?: number }
    if (ready.pendingRows === 0) return Date.now()
    if (Date.now() > deadline) throw new Error(`the writer still holds ${ready.pendingRows} rows after ${timeoutMs} ms`)
    await sleep(50)
  }
}

/**
 * Ingest volume: events per second from HTTP to rows in ClickHouse with 20 events per request,
 * every accepted event counted back in `tellen.events` after the collector stopped; with CPU per
 * event, peak RSS, and bytes on disk per event for the events table and the rollups.
 */
export async function measureIngestVolume(): Promise<BenchResult> {
  const requests = prepareTraffic({ site: SITE, count: 200, eventsPerRequest: EVENTS_PER_REQUEST, botShare: 0, seed: 7 })
  const bodyBytes = Math.round(requests.reduce((n, r) => n + Buffer.byteLength(r.body), 0) / requests.length)
  const collector = await startCollector(COLLECTOR_ENV)
  const pid = collector.process.pid!
  let accepted = 0
  try {
    // Runs of a fixed number of requests, so that every event sent is an event answered.
    progress(`collector: warm-up, ${fmt(WARMUP_REQUESTS)} requests, then ${fmt(CALIBRATION_REQUESTS)} to measure the rate`)
    const warm = await runLoad({ url: collector.url, requests, seconds: 0, amount: WARMUP_REQUESTS, connections: CONNECTIONS })
    accepted += (warm.responses - warm.non2xx) * EVENTS_PER_REQUEST
    // The run's length is set from the rate of a second, warm round, as the load generator saw it
    // (its own start-up is not part of it), so that the run lasts about SECONDS.
    const calibration = await runLoad({ url: collector.url, requests, seconds: 0, amount: CALIBRATION_REQUESTS, connections: CONNECTIONS })
    accepted += (calibration.responses - calibration.non2xx) * EVENTS_PER_REQUEST
    const amount = Math.max(WARMUP_REQUESTS, Math.round((CALIBRATION_REQUESTS / ((calibration.endedAt - calibration.startedAt) / 1000)) * SECONDS))
    await drained(collector.url)
    const cpuBefore = cpuMicros(pid)
    const threadsBefore = cpuByThread(pid)
    progress(`collector: ${fmt(amount)} requests (about ${SECONDS} s) at the maximum rate, ${EVENTS_PER_REQUEST} events per request`)
    const run = await runLoad({ url: collector.url, requests, seconds: SECONDS, amount, connections: CONNECTIONS })
    if (run.non2xx || run.errors || run.timeouts) {
      throw new Error(`${run.non2xx} non-2xx responses, ${run.errors} errors, ${run.timeouts} timeouts out of ${run.responses}`)
    }
    const written = await drained(collector.url)
    const cpu = cpuMicros(pid) - cpuBefore
    const byThread = threadSplit(threadsBefore, cpuByThread(pid), run.responses * EVENTS_PER_REQUEST)
    const peakRss = memory(pid).peak
    const events = run.responses * EVENTS_PER_REQUEST
    accepted += events
    // From the first request sent to the last row written, as wall-clock times of the two processes.
    const runSeconds = (run.endedAt - run.startedAt) / 1000
    const acceptedPerSecond = events / runSeconds
    const endToEndPerSecond = events / ((written - run.startedAt) / 1000)
    const drainMs = written - run.endedAt
    const loadCores = run.cpuMicros / (runSeconds * 1e6)
    progress(`${fmt(acceptedPerSecond)} events/s accepted, ${fmt(cpu / events, 2)} µs CPU per event (${byThread}), peak RSS ${mib(peakRss)} MiB; stopping the collector`)
    const code = await collector.stop()
    if (code !== 0) throw new Error(`the collector exited with ${code}:\n${collector.output().slice(-2000)}`)

    const stored = await withDataDir(collector.dataDir, async (db) => {
      const [count] = await rows<{ n: number }>(db, 'SELECT count() AS n FROM tellen.events')
      await db.command({ query: 'OPTIMIZE TABLE tellen.events FINAL' })
      const parts = await rows<{ table: string; bytes: number; rows: number }>(
        db,
        `SELECT table, sum(bytes_on_disk) AS bytes, sum(rows) AS rows FROM system.parts
         WHERE database = 'tellen' AND active AND (table = 'events' OR table LIKE 'rollup\\_%') GROUP BY table ORDER BY table`,
      )
      return { count: Number(count?.n ?? 0), parts }
    })
    if (stored.count !== accepted) throw new Error(`${accepted} events were accepted but ${stored.count} are in tellen.events`)

    const eventsBytes = Number(stored.parts.find((p) => p.table === 'events')?.bytes ?? 0)
    const rollups = stored.parts.filter((p) => p.table !== 'events')
    const rollupBytes = rollups.reduce((n, p) => n + Number(p.bytes), 0)
    const cpuPerEvent = cpu / events
    const markdown = [
      '## Ingest volume',
      '',
      `**${fmt(endToEndPerSecond)} events/s** end to end into ClickHouse with ${EVENTS_PER_REQUEST} events per request (target: at least ${fmt(TARGET)}; ${endToEndPerSecond >= TARGET ? 'met' : 'not met'}); all ${fmt(stored.count)} accepted events were counted back in \`tellen.events\` after the collector stopped.`,
      '',
      '| figure | value |',
      '|---|---|',
      `| events/s accepted (202) during the run | ${fmt(acceptedPerSecond)} (${fmt(run.rps)} req/s) |`,
      `| events/s end to end: first request to last row written | ${fmt(endToEndPerSecond)} (the writer finished ${fmt(Math.max(0, drainMs))} ms after the load stopped) |`,
      `| latency at the maximum rate, p50 / p99 | ${fmt(run.latencyMs.p50, 1)} / ${fmt(run.latencyMs.p99, 1)} ms |`,
      `| CPU per event in the collector (HTTP, pipeline, writer and embedded ClickHouse inserts) | ${fmt(cpuPerEvent, 2)} µs (${fmt((cpuPerEvent * acceptedPerSecond) / 1e6, 2)} cores at the accepted rate); by thread: ${byThread} |`,
      `| CPU of the load generator during the run | ${fmt(loadCores, 2)} cores |`,
      `| collector peak RSS (VmHWM) at the maximum rate, embedded engine in the process | ${mib(peakRss)} MiB |`,
      `| bytes on disk per event, \`tellen.events\` (after OPTIMIZE FINAL) | ${fmt(eventsBytes / stored.count, 1)} |`,
      rollups.length
        ? `| bytes on disk per event, rollups (${rollups.map((p) => p.table).join(', ')}) | ${fmt(rollupBytes / stored.count, 2)} |`
        : '| bytes on disk per event, rollups | none: no `tellen.rollup_*` table holds a part after this run (no rollup is fed by events in this build) |',
      '',
      `- Load: autocannon in a separate process, ${CONNECTIONS} connections, a warm-up of ${fmt(WARMUP_REQUESTS)} requests, then ${fmt(CALIBRATION_REQUESTS)} to measure the rate, then ${fmt(amount)} requests in ${fmt(runSeconds, 1)} s (a fixed count sized from that rate for about ${SECONDS} s, so that every event sent was answered and can be counted back; rates and times are from the load generator's first request to its last answer, its own start-up left out); ${requests.length} prepared bodies of ${EVENTS_PER_REQUEST} events (a pageview, then timings, clicks and leave events; ${fmt(bodyBytes)} bytes on average), varied browsers, pages and addresses as in the ceiling bench, no crawlers.`,
      `- Collector: \`collector/src/main.ts\` as a child process on a fresh DATA_DIR, ${Object.entries(COLLECTOR_ENV).map(([k, v]) => `${k}=${v}`).join(', ')}, default batches (at most 100,000 rows; a batch grows past the flush interval while an earlier insert runs). "Written" is when \`/readyz\` reports no pending rows.`,
      '- CPU: user + system time of the collector process (all threads, /proc/<pid>/stat) from the start of the run until the writer was empty, divided by the events of the run.',
      `- Bytes on disk: \`system.parts\` \`bytes_on_disk\` of active parts. The load cycles through ${requests.length} bodies, so columns compress better than real traffic would; read the figure as a lower bound. The rollups hold aggregates, so their bytes per event fall as volume grows.`,
    ].join('\n')
    return {
      id: 'ingest-volume',
      title: 'Ingest volume',
      headline: `${fmt(endToEndPerSecond)} events/s end to end${endToEndPerSecond >= TARGET ? '' : `, below the ${fmt(TARGET)} target`} (${fmt(acceptedPerSecond)} accepted/s), ${fmt(stored.count)} events stored`,
      markdown,
      data: { run, events, stored, acceptedPerSecond, endToEndPerSecond, cpuPerEvent, byThread, loadCores, peakRss, eventsBytes, rollupBytes, bodyBytes },
    }
  } finally {
    await collector.stop('SIGKILL')
    fs.rmSync(collector.dataDir, { recursive: true, force: true })
  }
}

await benchMain(import.meta.url, measureIngestVolume)

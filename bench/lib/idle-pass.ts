import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { openDb } from '../../collector/src/db/client.ts'
import { migrate } from '../../collector/src/db/migrate.ts'
import { storeDayCounts } from '../../collector/src/export/count-days.ts'
import { createLogger } from '../../collector/src/log.ts'
import { runVisitsJob, startVisitsJob } from '../../collector/src/visits/sessionize.ts'

/**
 * What the visits job costs while nothing is written, on the embedded engine: the CPU of one pass
 * that finds nothing to do (the watermark, the touched days, the pairs' stale days, the datasets'
 * day counts), then the process's CPU per second (all threads, the engine's included) with the job
 * running every 250 ms (as in the tests), told of a write before every pass or not.
 *
 * Usage: tsx bench/lib/idle-pass.ts [seconds]
 */
const seconds = Number(process.argv[2] ?? 10)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-idle-pass-'))
const db = openDb({ dataDir: dir })
await migrate(db)

const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since)
  return (used.user + used.system) / 1000
}
const since = Math.floor(Date.now() / 1000)
const idlePass = async () => {
  await runVisitsJob(db, since, 60_000)
  await storeDayCounts(db)
}
for (let i = 0; i < 10; i++) await idlePass()
let start = process.cpuUsage()
for (let i = 0; i < 100; i++) await idlePass()
console.log(`one pass with nothing to do: ${(cpuMs(start) / 100).toFixed(1)} ms CPU`)

for (const told of [true, false]) {
  const job = startVisitsJob(db, createLogger('silent'), 250)
  await job.runNow()
  const telling = told ? setInterval(() => job.touch(), 50) : undefined
  start = process.cpuUsage()
  await new Promise((r) => setTimeout(r, seconds * 1000))
  const used = cpuMs(start)
  clearInterval(telling)
  await job.stop()
  console.log(`job every 250 ms, ${told ? 'told of a write before each pass' : 'nothing written'}: ${(used / seconds).toFixed(0)} ms CPU per second`)
}
await db.close()
fs.rmSync(dir, { recursive: true, force: true })

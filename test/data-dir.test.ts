import fs from 'node:fs'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { lockFile } from '../collector/src/data-dir-lock.ts'
import { startClickHouseHttp, type ClickHouseHttp } from './helpers/clickhouse-http.ts'
import { postEvents, runCollectorToExit, startCollector, tempDataDir, type Collector } from './helpers/collector.ts'

const SITE = 'datadir.test'
const IN_USE = /^tellen: could not start: DATA_DIR \S+ is in use by another collector \(process \d+ on \S+\); every collector needs a DATA_DIR of its own\n$/
const event = (tag: string) => ({ v: 1, site: SITE, events: [{ type: 'pageview', url: `https://${SITE}/${tag}` }] })

describe('one collector per DATA_DIR', () => {
  let ch: ClickHouseHttp | undefined
  const running: Collector[] = []
  afterAll(async () => {
    for (const c of running) await c.stop('SIGKILL')
    await ch?.stop()
  })

  it('refuses a second collector on the same DATA_DIR with one line, also beside a ClickHouse server, and leaves the first one working', async () => {
    ch = await startClickHouseHttp(tempDataDir('tellen-ch-'))
    const env = { TELLEN_SITES: SITE, CLICKHOUSE_URL: ch.url }
    const first = await startCollector(env)
    running.push(first)
    const second = await runCollectorToExit({ ...env, DATA_DIR: first.dataDir, PORT: '0' })
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(IN_USE)
    expect(second.stderr).toContain(`process ${first.process.pid} `)
    expect((await postEvents(first.url, event('after'))).status).toBe(202)
    expect(fs.readdirSync(path.join(first.dataDir, 'spool', 'events')).filter((f) => f.endsWith('.seg')).length).toBeLessThanOrEqual(1)

    // Killed, it leaves its lock behind; the next collector on this machine takes it over at once,
    // not once the lock is stale: touched a day ahead, the lock would not be stale before tomorrow.
    await first.stop('SIGKILL')
    const lock = lockFile(first.dataDir)
    expect(fs.existsSync(lock)).toBe(true)
    const ahead = new Date(Date.now() + 86_400_000)
    fs.utimesSync(lock, ahead, ahead)
    const next = await startCollector(env, first.dataDir)
    running.push(next)
    expect((await postEvents(next.url, event('next'))).status).toBe(202)
    expect(await next.stop()).toBe(0)
    expect(fs.existsSync(lock)).toBe(false)
  })

  it('refuses a second collector on the embedded engine with the same line', async () => {
    const first = await startCollector({ TELLEN_SITES: SITE })
    running.push(first)
    const second = await runCollectorToExit({ TELLEN_SITES: SITE, DATA_DIR: first.dataDir, PORT: '0' })
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(IN_USE)
    expect(await first.stop()).toBe(0)
  })
})

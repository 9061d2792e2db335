import path from 'node:path'
import { createClient, type ClickHouseClient } from '@clickhouse/client'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { utcDay } from '../collector/src/ingest/visitor.ts'
import { startClickHouseHttp, type ClickHouseHttp } from './helpers/clickhouse-http.ts'
import { CONDITION_DEADLINE_MS, postEvents, ROOT, startCollector, tempDataDir, type Collector } from './helpers/collector.ts'

const SITE = 'salt.test'
const DAY = 86_400_000
const batch = (tag: string, n = 3) => ({ v: 1, site: SITE, events: Array.from({ length: n }, (_, i) => ({ type: 'pageview', url: `https://${SITE}/${tag}/${i}` })) })
const until = async (what: string, check: () => Promise<boolean>, ms = CONDITION_DEADLINE_MS) => {
  const end = Date.now() + ms
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
const lines = (out: string) => out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>)

describe('a collector without the salt of the current day', () => {
  let ch: ClickHouseHttp
  let c: Collector
  let db: ClickHouseClient
  beforeAll(async () => {
    ch = await startClickHouseHttp(tempDataDir('tellen-ch-'))
    // Every SIGUSR2 moves the collector's clock two days on: past the salt it created a day ahead.
    c = await startCollector(
      { TELLEN_SITES: SITE, CLICKHOUSE_URL: ch.url, LOG_LEVEL: 'debug', TELLEN_TEST_CLOCK_STEP_MS: String(2 * DAY) },
      tempDataDir(),
      ['--import', path.join(ROOT, 'test/helpers/shifted-clock.mjs')],
    )
    db = createClient({ url: ch.url })
  })
  afterAll(async () => {
    await db?.close()
    await c?.stop('SIGKILL')
    await ch?.stop()
  })

  it('answers 503 with Retry-After, keeps and logs nothing of the visitor, says so once, and takes events again once ClickHouse answers', async () => {
    expect((await postEvents(c.url, batch('before'))).status).toBe(202)

    // ClickHouse goes away and two days pass: today's salt was never created, let alone read.
    await ch.kill()
    const from = c.output().length
    c.process.kill('SIGUSR2')
    const refused: Awaited<ReturnType<typeof postEvents>>[] = []
    await until('the first refusal', async () => {
      const res = await postEvents(c.url, batch('probe'))
      if (res.status === 202) return false
      refused.push(res)
      return true
    })
    for (let i = 0; i < 30; i++) refused.push(await postEvents(c.url, batch(`during-${i}`)))
    for (const res of refused) {
      expect(res.status).toBe(503)
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/)
      expect(res.json.error).toMatch(/cannot take events right now.*retry later/)
    }
    const ready = await fetch(`${c.url}/readyz`)
    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ status: 'not ready', salt: 'missing' })
    const m = await fetch(`${c.url}/metrics`, { headers: { authorization: `Bearer ${c.adminToken}` } }).then((r) => r.text())
    expect(m).toMatch(new RegExp(`tellen_events_rejected_total\\{reason="unavailable"\\} ${3 * refused.length}\\b`))

    // The log is read once the collector's output has caught up with the requests.
    await until('the request lines', async () => lines(c.output().slice(from)).filter((l) => l.msg === 'request' && l.path === '/api/event' && l.status === 503).length >= refused.length)
    const during = lines(c.output().slice(from))
    expect(during.filter((l) => /no salt is loaded/.test(l.msg))).toHaveLength(1)
    expect(during.filter((l) => l.level >= 50 && l.msg === 'request failed')).toEqual([])
    const requestLines = during.filter((l) => l.msg === 'request' && l.path === '/api/event' && l.status === 503)
    expect(requestLines).toHaveLength(refused.length)
    for (const l of requestLines) expect(l).toMatchObject({ level: 20, reason: 'no_salt' })
    // Nothing of the refused visitor is logged, not even the truncated prefix.
    expect(during.filter((l) => l.path === '/api/event' && l.status !== 202 && 'prefix' in l)).toEqual([])

    // ClickHouse is back: the collector reads (here: creates) the salt by itself within seconds.
    await ch.restart()
    let accepted: Awaited<ReturnType<typeof postEvents>> | undefined
    await until('events to be taken again', async () => (accepted = await postEvents(c.url, batch('after'))).status === 202)
    expect(accepted!.json).toEqual({ accepted: 3 })
    expect(c.output().slice(from)).toMatch(/the salt of today is loaded: events are taken again/)
    expect(await fetch(`${c.url}/readyz`).then((r) => r.json())).toMatchObject({ salt: 'ok' })

    const shiftedDay = utcDay(Date.now() + 2 * DAY)
    await until('the events after the outage', async () => {
      const rs = await db.query({ query: `SELECT toUInt32(count()) AS n FROM tellen.events WHERE path LIKE '/after/%'`, format: 'JSONEachRow' })
      return (await rs.json<{ n: number }>())[0]!.n >= 3
    })
    const stored = async (query: string) => (await (await db.query({ query, format: 'JSONEachRow' })).json<Record<string, unknown>>())
    expect(await stored(`SELECT DISTINCT toString(toDate(ts)) AS day FROM tellen.events WHERE path LIKE '/after/%'`)).toEqual([{ day: shiftedDay }])
    expect(await stored(`SELECT toUInt32(count()) AS n FROM tellen.events WHERE path LIKE '/during-%'`)).toEqual([{ n: 0 }])
    expect(await stored(`SELECT toUInt32(count()) AS n FROM tellen.rejections`)).toEqual([{ n: 0 }])
  })
})

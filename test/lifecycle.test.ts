import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CONDITION_DEADLINE_MS, postEvents, ROOT, rows, runCollectorToExit, startCollector, tempDataDir, withDataDir, type Collector } from './helpers/collector.ts'
import { programArgs } from './helpers/programs.ts'

describe('collector lifecycle', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('writes buffered events to ClickHouse before exiting on %s', async (signal) => {
    const c = await startCollector({ TELLEN_SITES: 'example.com', TELLEN_FLUSH_INTERVAL_MS: '60000' })
    const events = Array.from({ length: 25 }, (_, i) => ({ type: 'pageview', url: `https://example.com/${signal}/${i}` }))
    expect((await postEvents(c.url, { v: 1, site: 'example.com', events })).status).toBe(202)
    expect(await c.stop(signal)).toBe(0)
    const [r] = await withDataDir(c.dataDir, (db) => rows<{ n: number }>(db, 'SELECT toUInt32(count()) AS n FROM tellen.events'))
    expect(r!.n).toBe(25)
  })

  describe('with the default settings', () => {
    let c: Collector
    beforeAll(async () => {
      c = await startCollector()
    })
    afterAll(async () => {
      await c?.stop()
    })

    it('reports health and readiness', async () => {
      expect(await fetch(`${c.url}/healthz`).then((r) => r.json())).toEqual({ status: 'ok' })
      const ready = await fetch(`${c.url}/readyz`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toMatchObject({ status: 'ready', clickhouse: 'ok', migrations: 'ok' })
      expect(c.output()).toMatch(/TELLEN_SITES is not set: only events for the site \\"localhost\\" are accepted/)
    })

    it('answers unknown routes with a JSON 404', async () => {
      const res = await fetch(`${c.url}/nope`)
      expect(res.status).toBe(404)
      expect(await res.json()).toEqual({ error: 'no route for GET /nope' })
    })
  })

  it('refuses to start on a bad setting with one line naming it', () => {
    const r = spawnSync(process.execPath, programArgs('collector'), {
      cwd: ROOT,
      env: { PATH: process.env.PATH, TELLEN_IPV4_PREFIX: '32', DATA_DIR: '/nonexistent/never-created' },
      encoding: 'utf8',
    })
    expect(r.status).toBe(2)
    expect(r.stderr).toBe('tellen: invalid configuration: TELLEN_IPV4_PREFIX="32" must be at most 24\n')
  })

  it('refuses to start with one line naming a ClickHouse setting it does not take, and one whose value the engine refuses', async () => {
    const unknown = await runCollectorToExit({ PORT: '0', CLICKHOUSE_SETTINGS: 'max_threads=2,compile_expresions=0' })
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toMatch(/^tellen: invalid configuration: CLICKHOUSE_SETTINGS="max_threads=2,compile_expresions=0" compile_expresions is not one of the settings Tellen takes/)
    expect(unknown.stderr.split('\n')).toHaveLength(2)
    const refused = await runCollectorToExit({ PORT: '0', CLICKHOUSE_SETTINGS: 'max_threads=2,load_balancing=nowhere' })
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/^tellen: could not start: CLICKHOUSE_SETTINGS: .*LoadBalancing: 'nowhere'/)
    expect(refused.stderr.split('\n')).toHaveLength(2)
    // The engine names the value only: the setting it came from is still said.
    const negative = await runCollectorToExit({ PORT: '0', CLICKHOUSE_SETTINGS: 'max_threads=-5' })
    expect(negative.code).toBe(1)
    expect(negative.stderr).toMatch(/^tellen: could not start: CLICKHOUSE_SETTINGS: .*-5/)
  })

  it('refuses to start with one line when its port is taken, and when HOST is not an address of the machine', async () => {
    const taken = net.createServer()
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve))
    const port = (taken.address() as net.AddressInfo).port
    try {
      const busy = await runCollectorToExit({ PORT: String(port), HOST: '127.0.0.1' })
      expect(busy.code).toBe(1)
      expect(busy.stderr).toBe(`tellen: could not start: 127.0.0.1:${port} is already in use (PORT, HOST)\n`)
    } finally {
      taken.close()
    }
    const elsewhere = await runCollectorToExit({ PORT: '0', HOST: '192.0.2.1' })
    expect(elsewhere.code).toBe(1)
    expect(elsewhere.stderr).toBe('tellen: could not start: HOST "192.0.2.1" is not an address of this machine\n')
  })

  it('refuses to start with one line naming DATA_DIR when it is a file, and the spam list when it is a folder', async () => {
    const file = path.join(tempDataDir(), 'a-file')
    fs.writeFileSync(file, '')
    const r = await runCollectorToExit({ PORT: '0', DATA_DIR: file })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`tellen: could not start: DATA_DIR ${file} is not a directory\n`)
    const folder = tempDataDir()
    const spam = await runCollectorToExit({ PORT: '0', TELLEN_REFERRER_SPAM_FILE: folder })
    expect(spam.code).toBe(2)
    expect(spam.stderr).toBe(`tellen: invalid configuration: TELLEN_REFERRER_SPAM_FILE=${JSON.stringify(folder)} is not a readable file\n`)
  })

  it('refuses to start with one line when ClickHouse cannot be reached, without the client\'s own dump', async () => {
    const closed = net.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as net.AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))
    const r = await runCollectorToExit({ PORT: '0', HOST: '127.0.0.1', CLICKHOUSE_URL: `http://127.0.0.1:${port}` })
    expect(r.code).toBe(1)
    expect(r.stderr).toBe(`tellen: could not start: connect ECONNREFUSED 127.0.0.1:${port}\n`)
  })

  it('prints a generated admin token once, keeps it in DATA_DIR, and says at every start where it and the addresses are', async () => {
    const first = await startCollector({ TELLEN_ADMIN_TOKEN: '' })
    await first.stop()
    const token = /admin token .*shown once\):\n\s+(\S+)/.exec(first.output())?.[1]
    expect(token).toMatch(/^[\w-]{32}$/)
    const second = await startCollector({ TELLEN_ADMIN_TOKEN: '' }, first.dataDir)
    try {
      expect(second.output()).not.toContain(token)
      // Every start says in one line where everything is, and where the token is kept.
      // The line follows the log line that startCollector waits for, so it may come a moment later.
      await expect.poll(() => /^tellen is running: .*$/m.test(second.output()), { timeout: CONDITION_DEADLINE_MS }).toBe(true)
      const line = /^tellen is running: .*$/m.exec(second.output())?.[0]
      const port = new URL(second.url).port
      expect(line).toBe(
        `tellen is running: collector http://127.0.0.1:${port}, dashboard http://127.0.0.1:${port}/dashboard, script http://127.0.0.1:${port}/t.js; admin token in ${first.dataDir}/admin-token`,
      )
      const [, collector, dashboard, script] = /collector (\S+), dashboard (\S+), script (\S+);/.exec(line!)!
      for (const address of [`${collector}/healthz`, dashboard!, script!]) expect((await fetch(address)).status, address).toBe(200)
      const res = await fetch(`${second.url}/api/admin/migrate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(200)
    } finally {
      await second.stop()
    }
  })
})

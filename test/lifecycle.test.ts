import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { describe, expect, it } from 'vitest'
import { postEvents, ROOT, rows, startCollector, withDataDir } from './helpers/collector.ts'

describe('collector lifecycle', () => {
  it.each(['SIGTERM', 'SIGINT'] as const)('writes buffered events to ClickHouse before exiting on %s', async (signal) => {
    const c = await startCollector({ TELLEN_SITES: 'example.com', TELLEN_FLUSH_INTERVAL_MS: '60000' })
    const events = Array.from({ length: 25 }, (_, i) => ({ type: 'pageview', url: `https://example.com/${signal}/${i}` }))
    expect((await postEvents(c.url, { v: 1, site: 'example.com', events })).status).toBe(202)
    expect(await c.stop(signal)).toBe(0)
    const [r] = await withDataDir(c.dataDir, (db) => rows<{ n: number }>(db, 'SELECT toUInt32(count()) AS n FROM tellen.events'))
    expect(r!.n).toBe(25)
  })

  it('reports health and readiness', async () => {
    const c = await startCollector()
    try {
      expect(await fetch(`${c.url}/healthz`).then((r) => r.json())).toEqual({ status: 'ok' })
      const ready = await fetch(`${c.url}/readyz`)
      expect(ready.status).toBe(200)
      expect(await ready.json()).toMatchObject({ status: 'ready', clickhouse: 'ok', migrations: 'ok' })
      expect(c.output()).toMatch(/TELLEN_SITES is not set: only events for the site \\"localhost\\" are accepted/)
    } finally {
      await c.stop()
    }
  })

  it('answers unknown routes with a JSON 404', async () => {
    const c = await startCollector()
    try {
      const res = await fetch(`${c.url}/nope`)
      expect(res.status).toBe(404)
      expect(await res.json()).toEqual({ error: 'no route for GET /nope' })
    } finally {
      await c.stop()
    }
  })

  it('refuses to start on a bad setting with one line naming it', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'collector/src/main.ts')], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, TELLEN_IPV4_PREFIX: '32', DATA_DIR: '/nonexistent/never-created' },
      encoding: 'utf8',
    })
    expect(r.status).toBe(2)
    expect(r.stderr).toBe('tellen: invalid configuration: TELLEN_IPV4_PREFIX="32" must be at most 24\n')
  })

  it('prints a generated admin token once and keeps it in DATA_DIR', async () => {
    const first = await startCollector({ TELLEN_ADMIN_TOKEN: '' })
    await first.stop()
    const token = /admin token .*shown once\):\n\s+(\S+)/.exec(first.output())?.[1]
    expect(token).toMatch(/^[\w-]{32}$/)
    const second = await startCollector({ TELLEN_ADMIN_TOKEN: '' }, first.dataDir)
    try {
      expect(second.output()).not.toContain(token)
      const res = await fetch(`${second.url}/api/admin/migrate`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })
      expect(res.status).toBe(200)
    } finally {
      await second.stop()
    }
  })
})

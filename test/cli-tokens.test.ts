import { afterAll, describe, expect, it } from 'vitest'
import { startCollector, tempDataDir, type Collector } from './helpers/collector.ts'
import { tellen } from './helpers/programs.ts'


let c: Collector | undefined
afterAll(async () => {
  await c?.stop()
})

describe('tellen tokens', () => {
  it('creates, lists and revokes tokens on DATA_DIR when no server runs', async () => {
    const env = { DATA_DIR: tempDataDir(), PORT: '1' }
    const created = await tellen(['tokens', 'create', '--kind', 'read', '--site', 'example.com'], env)
    expect(created.code).toBe(0)
    const [, id] = /created read token (\w+) for example\.com/.exec(created.out)!
    const token = /^tln_\S+$/m.exec(created.out)![0]
    const listed = await tellen(['tokens', 'list'], env)
    expect(listed.out).toContain(id)
    expect(listed.out).not.toContain(token)
    expect((await tellen(['tokens', 'revoke', id!], env)).out).toContain(`revoked ${id}`)
    expect((await tellen(['tokens', 'list'], env)).out).toMatch(/revoked 20/)
    const bad = await tellen(['tokens', 'create', '--kind', 'write'], env)
    expect(bad.code).toBe(1)
    expect(bad.err).toBe('tellen: --kind must be one of read, partner\n')
  })

  it('goes through the running server, whose stats API then takes the token', async () => {
    c = await startCollector({ TELLEN_SITES: 'example.com' })
    const env = { TELLEN_URL: c.url, TELLEN_ADMIN_TOKEN: c.adminToken, DATA_DIR: tempDataDir() }
    const created = await tellen(['tokens', 'create', '--kind', 'read'], env)
    expect(created.code).toBe(0)
    const token = /^tln_\S+$/m.exec(created.out)![0]
    const res = await fetch(`${c.url}/api/stats/example.com/overview`, { headers: { authorization: `Bearer ${token}` } })
    expect(res.status).toBe(200)
    const missing = await tellen(['tokens', 'revoke', 'nope'], env)
    expect(missing.code).toBe(1)
    expect(missing.err).toMatch(/404: no token has the id nope/)
  })
})

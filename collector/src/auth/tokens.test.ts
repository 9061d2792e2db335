import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { createTokenStore } from './tokens.ts'
import { migratedDataDir } from '../../../test/helpers/migrated-data-dir.ts'

let db: Db
beforeAll(async () => {
  db = openDb({ dataDir: migratedDataDir('tellen-tokens-') })
  await migrate(db)
})
afterAll(() => db?.close())

describe('token store', () => {
  it('verifies a created token, its kind and site, and the admin token', async () => {
    const store = createTokenStore(db, 'admin-token-0123456789')
    const { token, info } = await store.create('read', 'example.com')
    expect(token).toMatch(/^tln_[\w-]{32}$/)
    expect(await store.verify(token)).toEqual({ kind: 'read', id: info.id, site: 'example.com', datasets: [] })
    expect(await store.verify('admin-token-0123456789')).toEqual({ kind: 'admin' })
    expect(await store.verify(`${token}x`)).toBeUndefined()
  })

  it('gives a partner token the datasets it was created for', async () => {
    const store = createTokenStore(db, 'admin-token-0123456789')
    const { token, info } = await store.create('partner', 'example.com', { datasets: ['by-country', 'by-device'] })
    expect(info.datasets).toEqual(['by-country', 'by-device'])
    expect(await store.verify(token)).toEqual({ kind: 'partner', id: info.id, site: 'example.com', datasets: ['by-country', 'by-device'] })
    expect((await store.list()).find((t) => t.id === info.id)?.datasets).toEqual(['by-country', 'by-device'])
  })

  it('keeps only the SHA-256 hash of a token', async () => {
    const store = createTokenStore(db, 'admin-token-0123456789')
    const { token } = await store.create('partner')
    const rs = await db.query({ query: 'SELECT * FROM tellen.tokens', format: 'JSONEachRow' })
    const dump = JSON.stringify(await rs.json())
    expect(dump).not.toContain(token)
    const { createHash } = await import('node:crypto')
    expect(dump).toContain(createHash('sha256').update(token).digest('hex'))
  })

  it('refuses a revoked token, in this collector at once and in another after its cache expires', async () => {
    const here = createTokenStore(db, 'admin-token-0123456789')
    const there = createTokenStore(db, 'admin-token-0123456789', 50)
    const { token, info } = await here.create('read')
    expect(await there.verify(token)).toMatchObject({ kind: 'read' })
    expect(await here.revoke(info.id)).toBe(true)
    expect(await here.verify(token)).toBeUndefined()
    await new Promise((r) => setTimeout(r, 60))
    expect(await there.verify(token)).toBeUndefined()
    expect((await here.list()).find((t) => t.id === info.id)!.revoked).not.toBeNull()
    expect(await here.revoke('no-such-id')).toBe(false)
  })

  it('refuses a token once its expiry has passed, and keeps what it was made for', async () => {
    const store = createTokenStore(db, 'admin-token-0123456789')
    const soon = await store.create('read', 'example.com', { expires: new Date(Date.now() + 300), purpose: 'share' })
    const later = await store.create('read', 'example.com', { expires: new Date(Date.now() + 3_600_000), purpose: 'share' })
    expect(await store.verify(soon.token)).toMatchObject({ kind: 'read', site: 'example.com' })
    await expect.poll(() => store.verify(soon.token), { timeout: 10_000 }).toBeUndefined()
    expect(await store.verify(later.token)).toMatchObject({ kind: 'read', site: 'example.com' })
    const listed = (await store.list()).find((t) => t.id === later.info.id)!
    expect(listed.purpose).toBe('share')
    expect(Date.parse(`${listed.expires!.replace(' ', 'T')}Z`)).toBeGreaterThan(Date.now())
  })
})

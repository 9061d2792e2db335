import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from './db/client.ts'
import { migrate } from './db/migrate.ts'
import { addSite, createSiteRegistry, listSites, SiteError } from './sites.ts'
import { migratedDataDir } from '../../test/helpers/migrated-data-dir.ts'

describe('createSiteRegistry against the embedded engine', () => {
  let db: Db
  beforeAll(async () => {
    db = openDb({ dataDir: migratedDataDir() })
    await migrate(db)
  })
  afterAll(() => db.close())

  it('refuses to register a site in a time zone the engine does not know', async () => {
    await expect(addSite(db, { domain: 'mars.test', timezone: 'Mars/Olympus_Mons', query_allowlist: [] })).rejects.toThrow(SiteError)
    expect((await listSites(db)).map((s) => s.domain)).not.toContain('mars.test')
  })

  it('knows the configured sites before and after loading the table', async () => {
    const sites = createSiteRegistry(db, ['example.com'])
    expect(sites.get('example.com')).toMatchObject({ domain: 'example.com', timezone: 'UTC' })
    await sites.refresh()
    expect(sites.all().map((s) => s.domain)).toEqual(['example.com'])
    expect(sites.get('other.org')).toBeUndefined()
  })

  it('adds registered sites with their newest settings and forgets deleted ones', async () => {
    await db.insert({
      table: 'tellen.sites',
      format: 'JSONEachRow',
      values: [
        { domain: 'shop.test', timezone: 'UTC', query_allowlist: [], updated: '2026-01-01 00:00:00' },
        { domain: 'shop.test', timezone: 'Europe/Amsterdam', query_allowlist: ['q'], updated: '2026-01-02 00:00:00' },
        { domain: 'gone.test', timezone: 'UTC', query_allowlist: [], updated: '2026-01-01 00:00:00' },
        { domain: 'gone.test', timezone: 'UTC', query_allowlist: [], deleted: 1, updated: '2026-01-02 00:00:00' },
      ],
    })
    const sites = createSiteRegistry(db, ['example.com'])
    await sites.refresh()
    expect(sites.get('shop.test')).toEqual({ domain: 'shop.test', timezone: 'Europe/Amsterdam', queryAllowlist: new Set(['q']) })
    expect(sites.get('gone.test')).toBeUndefined()
    expect(sites.get('example.com')).toBeDefined()
  })
})

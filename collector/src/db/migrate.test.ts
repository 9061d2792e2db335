import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows, tempDataDir } from '../../../test/helpers/collector.ts'
import { openDb, type Db } from './client.ts'
import { isMigrated, migrate, readMigrations, splitStatements } from './migrate.ts'

describe('splitStatements', () => {
  it('splits at a semicolon that ends a line and drops comment lines', () => {
    const sql = `-- a table\nCREATE TABLE a (x String DEFAULT ';') ENGINE = Null;\n\n-- and a view\nCREATE VIEW b AS SELECT 1;\n`
    expect(splitStatements(sql)).toEqual([`CREATE TABLE a (x String DEFAULT ';') ENGINE = Null`, 'CREATE VIEW b AS SELECT 1'])
  })
})

describe('migrate against the embedded engine', () => {
  let db: Db
  beforeAll(() => {
    db = openDb({ dataDir: tempDataDir() })
  })
  afterAll(() => db.close())

  it('applies every shipped migration in numeric order, once', async () => {
    const shipped = (await readMigrations()).map((m) => m.name)
    expect(shipped[0]).toBe('001_events')
    expect([...shipped].sort()).toEqual(shipped)
    expect(await isMigrated(db)).toBe(false)
    expect(await migrate(db)).toEqual(shipped)
    expect(await migrate(db)).toEqual([])
    expect(await isMigrated(db)).toBe(true)
    const recorded = await rows<{ name: string }>(db, 'SELECT name FROM tellen.migrations ORDER BY name')
    expect(recorded.map((r) => r.name)).toEqual(shipped)
  })

  it('creates tellen.events and the Null table that feeds it', async () => {
    const tables = await rows<{ name: string; engine: string }>(db, `SELECT name, engine FROM system.tables WHERE database = 'tellen' ORDER BY name`)
    expect(tables).toContainEqual({ name: 'events', engine: 'MergeTree' })
    expect(tables).toContainEqual({ name: 'events_in', engine: 'Null' })
    expect(tables).toContainEqual({ name: 'events_store_mv', engine: 'MaterializedView' })
  })

  it('applies a new migration added later and only that one', async () => {
    const dir = tempDataDir('tellen-sql-')
    for (const m of await readMigrations()) fs.writeFileSync(path.join(dir, `${m.name}.sql`), `${m.statements.join(';\n')};\n`)
    fs.writeFileSync(path.join(dir, '999_extra.sql'), 'CREATE TABLE IF NOT EXISTS tellen.extra (x UInt8) ENGINE = Memory;\n')
    expect(await migrate(db, dir)).toEqual(['999_extra'])
    expect(await migrate(db, dir)).toEqual([])
  })
})

describe('upgrading a database made before the stored events lost their address prefix', () => {
  it('drops the prefixes already stored, keeps the events, and stores none from then on', async () => {
    const db = openDb({ dataDir: tempDataDir() })
    try {
      const before = tempDataDir('tellen-sql-')
      for (const m of await readMigrations()) {
        if (m.name < '070') fs.writeFileSync(path.join(before, `${m.name}.sql`), `${m.statements.join(';\n')};\n`)
      }
      await migrate(db, before)
      const row = (p: string, prefix: string) => ({ site: 'old.test', type: 'pageview', ts: Date.now(), visitor: 7, hostname: 'old.test', path: p, ip_prefix: prefix })
      await db.insert({ table: 'tellen.events_in', values: [row('/before', '203.0.113.0/24')], format: 'JSONEachRow' })
      expect(await rows(db, 'SELECT path, ip_prefix FROM tellen.events')).toEqual([{ path: '/before', ip_prefix: '203.0.113.0/24' }])

      expect(await migrate(db)).toContain('070_events_without_prefix')
      const columns = await rows<{ name: string }>(db, `SELECT name FROM system.columns WHERE database = 'tellen' AND table = 'events'`)
      expect(columns.map((c) => c.name)).not.toContain('ip_prefix')
      // A row spooled by the earlier version, prefix and all, still goes in; the prefix goes nowhere.
      await db.insert({ table: 'tellen.events_in', values: [row('/after', '198.51.100.0/24')], format: 'JSONEachRow' })
      expect(await rows(db, 'SELECT path FROM tellen.events ORDER BY path')).toEqual([{ path: '/after' }, { path: '/before' }])
      const dump = JSON.stringify(await rows(db, 'SELECT * FROM tellen.events'))
      for (const prefix of ['203.0.113', '198.51.100']) expect(dump).not.toContain(prefix)
    } finally {
      await db.close()
    }
  })
})

import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows, runCollectorToExit, tempDataDir, withDataDir } from '../../../test/helpers/collector.ts'
import { migratedDataDir } from '../../../test/helpers/migrated-data-dir.ts'
import { openDb, type Db } from './client.ts'
import { ChangedMigrationError, checksumOf, isMigrated, migrate, readMigrations, recordedChecksums, splitStatements } from './migrate.ts'

/** A copy of the shipped migrations (those before `until`, if given) in a folder of its own, each file's text unchanged. */
function copyOfShipped(until = '999'): string {
  const dir = tempDataDir('tellen-sql-')
  for (const f of fs.readdirSync(SHIPPED).filter((name) => /^\d{3}_/.test(name) && name < until)) fs.copyFileSync(path.join(SHIPPED, f), path.join(dir, f))
  return dir
}
const SHIPPED = path.join(import.meta.dirname, '../../../sql')

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

  it('records each applied migration with the checksum of its text', async () => {
    const recorded = await recordedChecksums(db)
    for (const m of await readMigrations()) {
      expect(recorded.get(m.name)).toBe(checksumOf(fs.readFileSync(path.join(SHIPPED, `${m.name}.sql`), 'utf8')))
      expect(recorded.get(m.name)).toMatch(/^[0-9a-f]{64}$/)
    }
  })

  it('refuses, naming the file and applying nothing, when an applied migration has changed', async () => {
    const dir = copyOfShipped()
    const edited = path.join(dir, '020_rollups_traffic.sql')
    fs.writeFileSync(edited, fs.readFileSync(edited, 'utf8').replace('CREATE TABLE', 'CREATE TABLE IF NOT EXISTS'))
    fs.writeFileSync(path.join(dir, '998_later.sql'), 'CREATE TABLE IF NOT EXISTS tellen.later (x UInt8) ENGINE = Memory;\n')
    const refusal = migrate(db, dir)
    await expect(refusal).rejects.toThrow(ChangedMigrationError)
    await expect(refusal).rejects.toThrow(/^applied migration sql\/020_rollups_traffic\.sql changed after it was applied to this database .*new migration$/)
    expect(await rows(db, `SELECT name FROM system.tables WHERE database = 'tellen' AND name = 'later'`)).toEqual([])
    // A line ending is not a change.
    fs.writeFileSync(edited, fs.readFileSync(path.join(SHIPPED, '020_rollups_traffic.sql'), 'utf8').replace(/\n/g, '\r\n'))
    fs.rmSync(path.join(dir, '998_later.sql'))
    expect(await migrate(db, dir)).toEqual([])
  })

  it('records the text it finds for migrations applied before checksums existed, without refusing', async () => {
    await db.command({ query: 'DROP TABLE tellen.migrations SYNC' })
    // The table as earlier versions made it, with every migration recorded by name only.
    await db.command({ query: `CREATE TABLE tellen.migrations (name String, applied DateTime64(3, 'UTC') DEFAULT now64(3)) ENGINE = ReplacingMergeTree ORDER BY name` })
    const shipped = await readMigrations()
    await db.insert({ table: 'tellen.migrations', values: shipped.map((m) => ({ name: m.name })), format: 'JSONEachRow' })
    expect(await migrate(db)).toEqual([])
    expect(await recordedChecksums(db)).toEqual(new Map(shipped.map((m) => [m.name, m.checksum])))
    const dir = copyOfShipped()
    fs.appendFileSync(path.join(dir, '041_daily_rollups.sql'), '-- edited once recorded\n')
    await expect(migrate(db, dir)).rejects.toThrow(/sql\/041_daily_rollups\.sql changed/)
  })

  it('creates tellen.events and the Null table that feeds it', async () => {
    const tables = await rows<{ name: string; engine: string }>(db, `SELECT name, engine FROM system.tables WHERE database = 'tellen' ORDER BY name`)
    expect(tables).toContainEqual({ name: 'events', engine: 'MergeTree' })
    expect(tables).toContainEqual({ name: 'events_in', engine: 'Null' })
    expect(tables).toContainEqual({ name: 'events_store_mv', engine: 'MaterializedView' })
  })

  it('applies a new migration added later and only that one', async () => {
    const dir = copyOfShipped()
    fs.writeFileSync(path.join(dir, '999_extra.sql'), 'CREATE TABLE IF NOT EXISTS tellen.extra (x UInt8) ENGINE = Memory;\n')
    expect(await migrate(db, dir)).toEqual(['999_extra'])
    expect(await migrate(db, dir)).toEqual([])
  })
})

describe('upgrading a database made before the stored events lost their address prefix', () => {
  it('drops the prefixes already stored, keeps the events, and stores none from then on', async () => {
    const db = openDb({ dataDir: tempDataDir() })
    try {
      await migrate(db, copyOfShipped('070'))
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

describe('a collector started on a database whose applied migration has changed', () => {
  it('refuses to start and names the migration', async () => {
    const dataDir = migratedDataDir()
    await withDataDir(dataDir, async (db) => {
      if (!(await isMigrated(db))) await migrate(db)
      // The database applied another text of 022 than the one shipped now.
      await db.insert({ table: 'tellen.migrations', values: [{ name: '022_visits', checksum: checksumOf('-- another text\n') }], format: 'JSONEachRow' })
    })
    const r = await runCollectorToExit({ DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1' })
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/^tellen: could not start: applied migration sql\/022_visits\.sql changed after it was applied to this database/)
  })
})

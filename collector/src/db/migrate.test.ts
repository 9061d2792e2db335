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

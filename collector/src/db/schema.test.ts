import fs from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDataDir } from '../../../test/helpers/collector.ts'
import { openDb, type Db } from './client.ts'
import { isMigrated, migrate, readMigrations, recordedChecksums } from './migrate.ts'
import { applySchema, dumpSchema, SCHEMA_COMMAND, SCHEMA_FILE } from './schema.ts'

const checkedIn = () => fs.readFileSync(SCHEMA_FILE, 'utf8')

describe('sql/schema.sql', () => {
  let fromMigrations: string

  beforeAll(async () => {
    const db = openDb({ dataDir: tempDataDir('tellen-schema-') })
    try {
      await migrate(db)
      fromMigrations = await dumpSchema(db)
    } finally {
      await db.close()
    }
  })

  it('is the schema that every migration together produces', () => {
    expect(fromMigrations, `sql/schema.sql is not what the migrations produce: run \`${SCHEMA_COMMAND}\` and commit it`).toBe(checkedIn())
  })

  it('lists each table and view after those it reads from or writes to', () => {
    const created = [...checkedIn().matchAll(/^CREATE (?:TABLE|MATERIALIZED VIEW|VIEW) tellen\.(\w+)/gm)].map((m) => m[1]!)
    expect(created).toContain('events_in')
    const views = [...checkedIn().matchAll(/^CREATE MATERIALIZED VIEW tellen\.(\w+) TO tellen\.(\w+)[\s\S]*?FROM tellen\.(\w+)/gm)]
    expect(views.length).toBeGreaterThan(10)
    for (const [, view, target, source] of views) {
      expect(created.indexOf(target!), `${view} after ${target}`).toBeLessThan(created.indexOf(view!))
      expect(created.indexOf(source!), `${view} after ${source}`).toBeLessThan(created.indexOf(view!))
    }
  })

  describe('applied to an empty database', () => {
    let db: Db
    beforeAll(async () => {
      db = openDb({ dataDir: tempDataDir('tellen-schema-') })
      await applySchema(db)
    })
    afterAll(() => db?.close())

    it('records every migration as applied with its checksum, so that migrate applies none', async () => {
      const shipped = await readMigrations()
      expect(await recordedChecksums(db)).toEqual(new Map(shipped.map((m) => [m.name, m.checksum])))
      expect(await isMigrated(db)).toBe(true)
      expect(await migrate(db)).toEqual([])
    })

    it('makes the same schema as the migrations', async () => {
      expect(await dumpSchema(db)).toBe(fromMigrations)
    })
  })
})

import fs from 'node:fs'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows } from '../../../test/helpers/collector.ts'
import { insertLines } from '../ingest/writer.ts'
import { insertJsonLines, openDb, type Db } from './client.ts'
import { migrate } from './migrate.ts'
import { migratedDataDir } from '../../../test/helpers/migrated-data-dir.ts'

describe('openDb on the embedded engine', () => {
  let db: Db
  const dataDir = migratedDataDir()
  beforeAll(async () => {
    db = openDb({ dataDir })
    await migrate(db)
  })
  afterAll(() => db.close())

  it('does not carry a batch deduplication token over to the next insert', async () => {
    const ts = new Date().toISOString()
    await insertLines(db, 'tellen.events_in', [JSON.stringify({ site: 'first.test', type: 'pageview', ts })], 'token-of-a-batch')
    await db.insert({ table: 'tellen.events_in', values: [{ site: 'second.test', type: 'pageview', ts }], format: 'JSONEachRow' })
    const stored = await rows<{ site: string }>(db, `SELECT site FROM tellen.events WHERE site LIKE '%.test' ORDER BY site`)
    expect(stored.map((r) => r.site)).toEqual(['first.test', 'second.test'])
  })

  it('inserts JSON lines with their settings in the statement, so that a token does not stay on the session', async () => {
    const ts = new Date().toISOString()
    const line = (path: string) => JSON.stringify({ site: 'raw.test', type: 'pageview', ts, path, browser: 'Firefox 🦊' })
    await insertJsonLines(db, 'tellen.events_in', Buffer.from([line('/a'), line('/b')].join('\n')), { insert_deduplication_token: 'raw-token' })
    // The same token again is a replay and is dropped; other rows without a token are not.
    await insertJsonLines(db, 'tellen.events_in', Buffer.from(line('/a')), { insert_deduplication_token: 'raw-token' })
    await insertJsonLines(db, 'tellen.events_in', Buffer.from(line('/c')), {})
    const stored = await rows<{ path: string; browser: string; ts: string }>(db, `SELECT path, browser, toString(ts) AS ts FROM tellen.events WHERE site = 'raw.test' ORDER BY path`)
    expect(stored.map((r) => r.path)).toEqual(['/a', '/b', '/c'])
    expect(stored[0]!.browser).toBe('Firefox 🦊')
    expect(stored[0]!.ts).toBe(ts.replace('T', ' ').replace('Z', ''))
  })

  it('passes the rows of an insert through a file that it removes, also when the insert fails', async () => {
    const inserts = path.join(dataDir, 'inserts')
    const line = JSON.stringify({ site: 'file.test', type: 'pageview', ts: new Date().toISOString(), path: "/it's \\ here" })
    await insertJsonLines(db, 'tellen.events_in', Buffer.from(line), { insert_deduplication_token: "a token with ' and \\" })
    const [stored] = await rows<{ path: string }>(db, `SELECT path FROM tellen.events WHERE site = 'file.test'`)
    expect(stored!.path).toBe("/it's \\ here")
    await expect(insertJsonLines(db, 'tellen.events_in', Buffer.from('{"site":"file.test","ts":"not a time"}'), {})).rejects.toThrow(/DateTime|parse/i)
    expect(fs.readdirSync(inserts)).toEqual([])
  })

  it('removes the files of inserts left by a process that stopped during an insert when it opens', async () => {
    await db.close()
    fs.writeFileSync(path.join(dataDir, 'inserts', 'left-over.json'), '{}')
    db = openDb({ dataDir })
    expect(fs.readdirSync(path.join(dataDir, 'inserts'))).toEqual([])
    expect(await rows(db, `SELECT 1 FROM system.tables WHERE database = 'tellen' AND name = 'events'`)).toHaveLength(1)
  })

  it('answers query parameters without pasting them into SQL', async () => {
    const [r] = await rows<{ v: string }>(db, 'SELECT {v:String} AS v', { v: "'; DROP TABLE tellen.events; --" })
    expect(r!.v).toBe("'; DROP TABLE tellen.events; --")
    expect(await rows(db, `SELECT 1 FROM system.tables WHERE database = 'tellen' AND name = 'events'`)).toHaveLength(1)
  })
  it('runs every statement under its own settings, many at once, those it leaves out at what the client sets', async () => {
    // The client's own setting, then a statement's own values and the client's again, interleaved.
    const asked = Array.from({ length: 40 }, (_, i) => (i % 3 === 0 ? undefined : i % 3 === 1 ? 'a-token' : ''))
    const answers = await Promise.all(asked.map(async (token) => {
      const result = await db.query({
        query: "SELECT getSetting('insert_deduplication_token') AS token, getSetting('output_format_json_quote_64bit_integers') AS quoted, getSetting('max_threads') AS threads",
        format: 'JSONEachRow',
        clickhouse_settings: token === undefined ? {} : { insert_deduplication_token: token, max_threads: 3 },
      })
      return ((await result.json()) as { token: string; quoted: number | boolean; threads: string }[])[0]!
    }))
    expect(answers.map((a) => a.token)).toEqual(asked.map((t) => t ?? ''))
    expect(new Set(answers.map((a) => Number(a.quoted)))).toEqual(new Set([0]))
    // A statement's own setting stays on the session for those after it, as it always has.
    expect(answers.slice(2).every((a) => String(a.threads).includes('3'))).toBe(true)
  })

  it('sends every setting again after a statement fails, so none is left at what a failed SET left', async () => {
    await expect(db.query({ query: 'SELECT 1', clickhouse_settings: { insert_deduplication_token: 'x', max_threads: 'not a number' as unknown as number } })).rejects.toThrow()
    const token = async () => ((await (await db.query({ query: "SELECT getSetting('insert_deduplication_token') AS t", format: 'JSONEachRow' })).json()) as { t: string }[])[0]!.t
    expect(await token()).toBe('')
    await expect(db.command({ query: 'SELECT * FROM tellen.no_such_table', clickhouse_settings: { insert_deduplication_token: 'after' } })).rejects.toThrow(/no_such_table|UNKNOWN_TABLE/i)
    expect(await token()).toBe('')
  })
})

describe('closing the embedded engine', () => {
  it('resolves once the statements under way are done, so that the process may exit and another data directory open at once', async () => {
    const first = openDb({ dataDir: migratedDataDir() })
    // A statement that takes a while, still running when close() is called.
    let settled = false
    const slow = first.query({ query: 'SELECT sleep(0.4) AS s, count() AS n FROM numbers(3)', format: 'JSONEachRow' })
    void slow.then(() => (settled = true))
    await new Promise((resolve) => setTimeout(resolve, 50))
    await first.close()
    expect(settled).toBe(true)
    expect(await (await slow).json()).toEqual([{ s: 0, n: 3 }])
    // The engine binds one data directory per process: a connection whose teardown is still
    // pending would make this refuse ("a closed session ... is still releasing its connection").
    const second = openDb({ dataDir: migratedDataDir() })
    try {
      expect(await rows(second, 'SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await second.close()
    }
  })
})

describe('openDb with the operator’s settings (CLICKHOUSE_SETTINGS)', () => {
  it('sends the settings it is given with every statement, beside its own', async () => {
    // One data directory at a time in a process: the engine of the tests above is closed by now.
    const other = openDb({ dataDir: migratedDataDir(), settings: { max_threads: 3, compile_expressions: 0, load_balancing: 'in_order' } })
    try {
      const read = `SELECT getSetting('max_threads') AS threads, getSetting('compile_expressions') AS compile, getSetting('load_balancing') AS balancing, getSetting('date_time_input_format') AS times`
      expect(await rows(other, read)).toEqual([{ threads: 3, compile: false, balancing: 'in_order', times: 'best_effort' }])
      // A statement's own value counts for it alone.
      const rs = await other.query({ query: read, format: 'JSONEachRow', clickhouse_settings: { max_threads: 1 } })
      expect(await rs.json()).toEqual([{ threads: 1, compile: false, balancing: 'in_order', times: 'best_effort' }])
      expect(await rows(other, read)).toEqual([{ threads: 3, compile: false, balancing: 'in_order', times: 'best_effort' }])
    } finally {
      await other.close()
    }
  })
})

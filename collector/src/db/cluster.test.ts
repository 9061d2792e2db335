import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { rows, tempDataDir } from '../../../test/helpers/collector.ts'
import { openDb, type Db } from './client.ts'
import { deleteStatements } from '../privacy/forget.ts'
import { ttlStatements } from '../privacy/retention.ts'
import { clusterForm, dataTableOf, LOCAL_SUFFIX, renderForDeployment, renderStatement, shardingKey } from './cluster.ts'
import { migrate, readMigrations } from './migrate.ts'

const CLUSTER = 'tellen'

/**
 * A rendered statement as a single node without a cluster can run it: no ON CLUSTER, plain
 * MergeTree engines, and a Merge table over the node's part where the Distributed table would be
 * (the embedded engine has no clusters). A Merge table created `AS` the part has its columns, as
 * the Distributed table does. A Merge table takes no inserts: a backfill writes to the part.
 */
const onOneNode = (sql: string) =>
  sql
    .replace(/ ON CLUSTER \w+/g, '')
    .replace(/ SYNC$/, '')
    .replace(/ENGINE = Replicated(\w+)\('[^']*', '[^']*'(?:, )?/, 'ENGINE = $1(')
    .replace(/^INSERT INTO tellen\.(\w+)/, `INSERT INTO tellen.$1${LOCAL_SUFFIX}`)
    .replace(/ENGINE = Distributed\(\w+, tellen, (\w+), [^\n]*\)$/, "ENGINE = Merge(tellen, '^$1$$')")

type Columns = Record<string, { name: string; type: string; default_kind: string; default_expression: string }[]>
const columnsOf = async (db: Db, tables: readonly string[]): Promise<Columns> => {
  const list = await rows<{ table: string; name: string; type: string; default_kind: string; default_expression: string }>(
    db,
    `SELECT table, name, type, default_kind, default_expression FROM system.columns WHERE database = 'tellen' AND table IN {tables:Array(String)} ORDER BY table, position`,
    { tables },
  )
  const out: Columns = {}
  for (const { table, ...column } of list) (out[table] ??= []).push(column)
  return out
}

describe('the cluster form of the migrations', () => {
  let db: Db
  beforeAll(() => {
    db = openDb({ dataDir: tempDataDir() })
  })
  afterAll(() => db.close())

  it('passes ClickHouse’s own parser, every statement of every migration', async () => {
    const rendered = clusterForm(await readMigrations(), CLUSTER).flatMap((m) => m.statements)
    expect(rendered.length).toBeGreaterThan(100)
    const refused: { sql: string; err: string }[] = []
    for (const sql of rendered) {
      const parsed = await db.query({ query: 'SELECT formatQuery({sql:String}) AS q', query_params: { sql }, format: 'JSONEachRow' }).then(
        (rs) => rs.json<{ q: string }>(),
        (err: Error) => refused.push({ sql: sql.slice(0, 200), err: err.message.slice(0, 300) }),
      )
      if (Array.isArray(parsed)) expect(parsed[0]!.q).toMatch(/ON CLUSTER tellen|^INSERT INTO/)
    }
    expect(refused).toEqual([])
  })

  it('creates each table ON CLUSTER as a Replicated part and a Distributed table under the single-node name', async () => {
    const rendered = clusterForm(await readMigrations(), CLUSTER).flatMap((m) => m.statements)
    const creates = rendered.filter((s) => /^CREATE TABLE/.test(s))
    expect(creates).toContainEqual(expect.stringMatching(/^CREATE TABLE IF NOT EXISTS tellen\.events_local ON CLUSTER tellen[\s\S]*ENGINE = ReplicatedMergeTree\('\/clickhouse\/tables\/\{uuid\}\/\{shard\}', '\{replica\}'\)/))
    expect(creates).toContainEqual(expect.stringMatching(/^CREATE TABLE IF NOT EXISTS tellen\.events ON CLUSTER tellen AS tellen\.events_local\s+ENGINE = Distributed\(tellen, tellen, events_local, cityHash64\(site, visitor\)\)$/))
    expect(creates).toContainEqual(expect.stringMatching(/tellen\.sites_local[\s\S]*ENGINE = ReplicatedReplacingMergeTree\('\/clickhouse\/tables\/\{uuid\}\/\{shard\}', '\{replica\}', updated\)/))
    // The events pass through a Null table on each node, whose views fill that node's rollups.
    expect(creates).toContainEqual(expect.stringMatching(/tellen\.events_in_local ON CLUSTER tellen[\s\S]*ENGINE = Null/))
    const views = rendered.filter((s) => /^CREATE MATERIALIZED VIEW/.test(s))
    expect(views.length).toBeGreaterThan(10)
    for (const v of views) {
      expect(v).toMatch(/ON CLUSTER tellen/)
      expect(v).toMatch(/ TO tellen\.\w+_local\b/)
      expect(v).not.toMatch(/FROM tellen\.\w+(?<!_local)\b(?!_local)/)
    }
  })

  it('shards a visitor’s rows by site and visitor hash, and any other table by its sorting key', () => {
    expect(shardingKey('(site LowCardinality(String), visitor UInt64, ts DateTime)', '(site, ts)')).toBe('cityHash64(site, visitor)')
    expect(shardingKey('(site LowCardinality(String), hour DateTime, path String)', '(site, hour, path)')).toBe('cityHash64(site, hour, path)')
    expect(shardingKey('(name String)', 'name')).toBe('cityHash64(name)')
    expect(shardingKey('(x UInt8)', 'tuple()')).toBe('rand()')
  })

  it('runs the ALTERs of retention and forget ON CLUSTER on each node’s part, in statements ClickHouse parses', async () => {
    const rendered = [
      ...ttlStatements('events', 'toDateTime(ts) + INTERVAL {days:UInt32} DAY', CLUSTER),
      ...ttlStatements('rollup_pages_daily', undefined, CLUSTER),
      ...deleteStatements('rollup_visits', 'site = {site:String} AND toDate(hour) >= {from:Date}', CLUSTER),
      ...renderForDeployment('DROP VIEW IF EXISTS tellen.events_store_mv', [], CLUSTER),
      ...renderForDeployment('CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.events_store_mv TO tellen.events AS SELECT * EXCEPT (ip_prefix) FROM tellen.events_in', ['events', 'events_in'], CLUSTER),
      ...renderForDeployment('DETACH TABLE tellen.`rollup_pages_daily_mv`', [], CLUSTER),
      ...renderForDeployment('ATTACH TABLE tellen.`rollup_pages_daily_mv`', [], CLUSTER),
    ]
    expect(rendered).toEqual([
      'ALTER TABLE tellen.events_local ON CLUSTER tellen MODIFY TTL toDateTime(ts) + INTERVAL {days:UInt32} DAY',
      'ALTER TABLE tellen.rollup_pages_daily_local ON CLUSTER tellen REMOVE TTL',
      'ALTER TABLE tellen.rollup_visits_local ON CLUSTER tellen DELETE WHERE site = {site:String} AND toDate(hour) >= {from:Date}',
      'DROP VIEW IF EXISTS tellen.events_store_mv ON CLUSTER tellen SYNC',
      'CREATE MATERIALIZED VIEW IF NOT EXISTS tellen.events_store_mv ON CLUSTER tellen TO tellen.events_local AS SELECT * EXCEPT (ip_prefix) FROM tellen.events_in_local',
      'DETACH TABLE tellen.`rollup_pages_daily_mv` ON CLUSTER tellen',
      'ATTACH TABLE tellen.`rollup_pages_daily_mv` ON CLUSTER tellen',
    ])
    for (const sql of rendered) {
      const [parsed] = await rows<{ q: string }>(db, 'SELECT formatQuery({sql:String}) AS q', { sql })
      expect(parsed!.q).toMatch(/ON CLUSTER tellen/)
    }
    // On one node they are the statements as written.
    expect(ttlStatements('events', 'toDateTime(ts) + INTERVAL {days:UInt32} DAY', undefined)).toEqual(['ALTER TABLE tellen.`events` MODIFY TTL toDateTime(ts) + INTERVAL {days:UInt32} DAY'])
    expect(deleteStatements('rollup_visits', 'site = {site:String}', undefined)).toEqual(['ALTER TABLE tellen.`rollup_visits` DELETE WHERE site = {site:String}'])
    // The tables found in system.tables on a node: the parts stand for their tables, the Distributed ones for nothing.
    expect(['events', 'events_local', 'rollup_pages_daily_local'].map((t) => dataTableOf(t, CLUSTER))).toEqual([undefined, 'events', 'rollup_pages_daily'])
    expect(dataTableOf('events', undefined)).toBe('events')
  })

  it('refuses a kind of statement it cannot render, rather than running it on one node', () => {
    expect(() => renderStatement('TRUNCATE TABLE tellen.events', { cluster: CLUSTER, tables: new Map() })).toThrow(/cannot render for a cluster: TRUNCATE/)
  })

  it('merges a table ON CLUSTER on each node’s part, which holds its rows', () => {
    const schema = { cluster: CLUSTER, tables: new Map([['rollup_visits', { key: 'cityHash64(site, visitor)', columns: '' }]]) }
    expect(renderStatement('OPTIMIZE TABLE tellen.rollup_visits FINAL', schema)).toEqual([`OPTIMIZE TABLE tellen.rollup_visits_local ON CLUSTER ${CLUSTER} FINAL`])
  })

  it('gives every Distributed table the columns of the single-node table of the same name', async () => {
    await migrate(db)
    const single = await rows<{ name: string }>(db, `SELECT name FROM system.tables WHERE database = 'tellen' AND engine NOT IN ('MaterializedView', 'View') ORDER BY name`)
    const names = single.map((t) => t.name)
    const want = await columnsOf(db, names)
    await db.command({ query: 'DROP DATABASE tellen SYNC' })

    const bookkeeping = ['CREATE DATABASE IF NOT EXISTS tellen ENGINE = Atomic']
    for (const sql of [...bookkeeping, ...clusterForm(await readMigrations(), CLUSTER).flatMap((m) => m.statements)]) {
      await db.command({ query: onOneNode(sql) })
    }
    const parts = await rows<{ name: string }>(db, `SELECT name FROM system.tables WHERE database = 'tellen' AND engine NOT IN ('MaterializedView', 'View') AND name NOT LIKE {local:String} ORDER BY name`, { local: `%${LOCAL_SUFFIX}` })
    const fronts = parts.map((t) => t.name)
    expect(fronts).toEqual(names.filter((n) => n !== 'migrations' && n !== 'leases'))
    expect(await columnsOf(db, fronts)).toEqual(Object.fromEntries(Object.entries(want).filter(([t]) => fronts.includes(t))))
  })
})

import type { Migration } from './migrate.ts'

/**
 * The cluster form of the migrations, for `CLICKHOUSE_CLUSTER=<name>`: every table becomes a
 * Replicated table `tellen.<name>_local` on each node, created ON CLUSTER, with a Distributed table
 * under the single-node name in front of it, so every query of the collector stays as it is.
 * Materialized views run on each node between local tables; inserts and reads go through the
 * Distributed tables. Rendered from the migrations, statement by statement, in order.
 */

/** The suffix of a node's own part of a table. */
export const LOCAL_SUFFIX = '_local'

/**
 * Where replicas of a table meet in Keeper. `{uuid}` is the table's, the same on every node of an
 * ON CLUSTER statement and kept by RENAME; `{shard}` and `{replica}` are each node's macros.
 */
const REPLICA_PATH = `'/clickhouse/tables/{uuid}/{shard}', '{replica}'`

/**
 * How rows are spread over shards. A table with a visitor column is sharded by (site, visitor):
 * the visitor hash is keyed with the salt of its UTC day, so this puts a visitor's events of a day,
 * and the visits cut from them, on one shard. Any other table is sharded by its sorting key, so the
 * rows that a ReplacingMergeTree or SummingMergeTree merges into one are on the same shard.
 */
export function shardingKey(columns: string, orderBy: string | undefined): string {
  if (/(^|[(,\s])visitor\s+[A-Z]/.test(columns) && /(^|[(,\s])site\s+[A-Z]/.test(columns)) return 'cityHash64(site, visitor)'
  if (!orderBy || /^tuple\(\s*\)$/.test(orderBy)) return 'rand()'
  const inner = orderBy.startsWith('(') && orderBy.endsWith(')') ? orderBy.slice(1, -1) : orderBy
  return `cityHash64(${inner})`
}

/** The text from `open` (an opening parenthesis) to its matching closing one, inclusive. */
function balanced(text: string, open: number): string {
  let depth = 0
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++
    else if (text[i] === ')' && --depth === 0) return text.slice(open, i + 1)
  }
  throw new Error(`unbalanced parentheses in ${text.slice(open, open + 80)}`)
}

/** The sorting key of a CREATE TABLE's tail (`ENGINE = ... ORDER BY ...`), as written. */
function orderByOf(tail: string): string | undefined {
  const m = /\bORDER BY\s+/i.exec(tail)
  if (!m) return undefined
  const at = m.index + m[0].length
  if (tail[at] === '(') return balanced(tail, at)
  return /^[\w.]+(\([^)]*\))?/.exec(tail.slice(at))?.[0]
}

const IDENT = '(?:`([^`]+)`|(\\w+))'
const name = (m: RegExpExecArray, at: number) => m[at] ?? m[at + 1]!

/** What the rendering knows of the schema so far: each sharded table, its sharding key and columns. */
export interface ClusterSchema {
  cluster: string
  tables: Map<string, { key: string; columns: string }>
}

const distributed = (schema: ClusterSchema, table: string, ifNotExists = '') =>
  `CREATE TABLE ${ifNotExists}tellen.${table} ON CLUSTER ${schema.cluster} AS tellen.${table}${LOCAL_SUFFIX}
  ENGINE = Distributed(${schema.cluster}, tellen, ${table}${LOCAL_SUFFIX}, ${schema.tables.get(table)!.key})`

/** `tellen.<table>` references to known tables, made references to each node's own part. */
const toLocal = (schema: ClusterSchema, sql: string) =>
  sql.replace(new RegExp(`\\btellen\\.${IDENT}`, 'g'), (whole, quoted: string | undefined, plain: string | undefined) => {
    const table = quoted ?? plain!
    return schema.tables.has(table) ? `tellen.${table}${LOCAL_SUFFIX}` : whole
  })

const COLUMN_CHANGE = /^\s*(ADD|DROP|MODIFY|RENAME|COMMENT)\s+COLUMN\b/i

/**
 * Renders one single-node statement for the cluster, updating `schema`; throws on a kind of
 * statement it does not know, so a new migration cannot slip through unrendered.
 * @example
 * renderStatement('DROP VIEW IF EXISTS tellen.x_mv', { cluster: 'tellen', tables: new Map() })
 * // ['DROP VIEW IF EXISTS tellen.x_mv ON CLUSTER tellen SYNC']
 */
export function renderStatement(sql: string, schema: ClusterSchema): string[] {
  const on = `ON CLUSTER ${schema.cluster}`
  let m: RegExpExecArray | null
  if ((m = /^CREATE DATABASE\s+(IF NOT EXISTS\s+)?(\w+)([\s\S]*)$/i.exec(sql))) {
    return [`CREATE DATABASE ${m[1] ?? ''}${m[2]} ${on}${m[3]}`]
  }
  if ((m = new RegExp(`^CREATE TABLE\\s+(IF NOT EXISTS\\s+)?tellen\\.${IDENT}\\s*(\\(|AS\\s+tellen\\.${IDENT}\\s)`, 'i').exec(sql))) {
    const table = name(m, 2)
    const ifNotExists = m[1] ?? ''
    const like = m[5] ?? m[6]
    if (like !== undefined && !schema.tables.has(like)) throw new Error(`cannot render for a cluster, ${like} is not a table of the migrations: ${sql.slice(0, 120)}`)
    const columns = like === undefined ? balanced(sql, m[0].length - 1) : `AS tellen.${like}${LOCAL_SUFFIX}`
    const tail = like === undefined ? sql.slice(m[0].length - 1 + columns.length) : sql.slice(m[0].length - 1)
    const engine = /^\s*ENGINE\s*=\s*(\w+)(\s*\(([^()]*)\))?/i.exec(tail)
    if (!engine) throw new Error(`cannot render for a cluster, no ENGINE right after the columns: ${sql.slice(0, 120)}`)
    const [clause, kind, , args] = engine
    const replicated = /MergeTree$/.test(kind!) ? `ENGINE = Replicated${kind}(${REPLICA_PATH}${args?.trim() ? `, ${args}` : ''})` : clause!.trim()
    schema.tables.set(table, { key: shardingKey(like === undefined ? columns : schema.tables.get(like)!.columns, orderByOf(tail)), columns: like === undefined ? columns : schema.tables.get(like)!.columns })
    return [
      `CREATE TABLE ${ifNotExists}tellen.${table}${LOCAL_SUFFIX} ${on} ${columns}\n${replicated}${tail.slice(clause!.length)}`,
      distributed(schema, table, ifNotExists),
    ]
  }
  if ((m = new RegExp(`^CREATE (MATERIALIZED )?VIEW\\s+(IF NOT EXISTS\\s+)?tellen\\.${IDENT}`, 'i').exec(sql))) {
    const rest = sql.slice(m[0].length)
    // A materialized view runs on each node, from its part of the source to its part of the target.
    return [`${m[0]} ${on}${m[1] ? toLocal(schema, rest) : rest}`]
  }
  if ((m = new RegExp(`^DROP (TABLE|VIEW)\\s+(IF EXISTS\\s+)?tellen\\.${IDENT}\\s*$`, 'i').exec(sql))) {
    const [, kind, ifExists = ''] = m
    const table = name(m, 3)
    if (kind!.toUpperCase() === 'VIEW' || (!schema.tables.has(table) && !ifExists)) return [`${sql} ${on} SYNC`]
    schema.tables.delete(table)
    return [`DROP TABLE ${ifExists}tellen.${table} ${on} SYNC`, `DROP TABLE ${ifExists}tellen.${table}${LOCAL_SUFFIX} ${on} SYNC`]
  }
  if ((m = new RegExp(`^RENAME TABLE\\s+tellen\\.${IDENT}\\s+TO\\s+tellen\\.${IDENT}\\s*$`, 'i').exec(sql))) {
    const from = name(m, 1)
    const to = name(m, 3)
    const known = schema.tables.get(from)
    if (known === undefined) return [`${sql} ${on}`]
    schema.tables.delete(from)
    schema.tables.set(to, known)
    return [
      `DROP TABLE tellen.${from} ${on} SYNC`,
      `RENAME TABLE tellen.${from}${LOCAL_SUFFIX} TO tellen.${to}${LOCAL_SUFFIX} ${on}`,
      distributed(schema, to),
    ]
  }
  if ((m = new RegExp(`^ALTER TABLE\\s+tellen\\.${IDENT}`, 'i').exec(sql))) {
    const table = name(m, 1)
    const change = sql.slice(m[0].length)
    if (!schema.tables.has(table)) return [`${m[0]} ${on}${change}`]
    const local = `ALTER TABLE tellen.${table}${LOCAL_SUFFIX} ${on}${change}`
    // A Distributed table has the columns of its parts; it has no data, so no TTL or mutation.
    return COLUMN_CHANGE.test(change) ? [local, `ALTER TABLE tellen.${table} ${on}${change.replace(/\s+SETTINGS\s+mutations_sync\s*=\s*\d+\s*$/i, '')}`] : [local]
  }
  if ((m = new RegExp(`^(DETACH|ATTACH) (TABLE|VIEW)\\s+tellen\\.${IDENT}\\s*$`, 'i').exec(sql))) return [`${sql} ${on}`]
  if ((m = new RegExp(`^OPTIMIZE TABLE\\s+tellen\\.${IDENT}`, 'i').exec(sql))) {
    const table = name(m, 1)
    // A merge of the rows each node holds: the Distributed table holds none.
    return [`OPTIMIZE TABLE tellen.${table}${schema.tables.has(table) ? LOCAL_SUFFIX : ''} ${on}${sql.slice(m[0].length)}`]
  }
  if (/^INSERT INTO\s/i.test(sql)) return [sql]
  throw new Error(`cannot render for a cluster: ${sql.slice(0, 120)}`)
}

/** The cluster named by CLICKHOUSE_CLUSTER, or undefined on one node. */
export const configuredCluster = () => process.env.CLICKHOUSE_CLUSTER || undefined

/**
 * Renders a statement that is not part of a migration (retention, forget, migrate-to) for the
 * deployment: unchanged on one node; on a cluster as the migrations are, where `tables` are the
 * tables of the migrations it names. An ALTER of data or TTL then runs ON CLUSTER on each node's
 * Replicated part, never on the Distributed table, which holds no data.
 * @example
 * renderForDeployment('ALTER TABLE tellen.events DELETE WHERE site = {site:String}', ['events'], 'tellen')
 * // ['ALTER TABLE tellen.events_local ON CLUSTER tellen DELETE WHERE site = {site:String}']
 */
export function renderForDeployment(sql: string, tables: readonly string[], cluster: string | undefined = configuredCluster()): string[] {
  if (!cluster) return [sql]
  const schema: ClusterSchema = { cluster, tables: new Map(tables.map((t) => [t, { key: 'rand()', columns: '' }])) }
  return renderStatement(sql.trim(), schema)
}

/**
 * The name of a table of the migrations, from a name in `system.tables`: on a cluster only the
 * Replicated parts (`<name>_local`) hold data, and each stands for `<name>`; the Distributed tables
 * give undefined. On one node every name is its own.
 * @example dataTableOf('events_local', 'tellen') // 'events'
 */
export function dataTableOf(name: string, cluster: string | undefined = configuredCluster()): string | undefined {
  if (!cluster) return name
  return name.endsWith(LOCAL_SUFFIX) ? name.slice(0, -LOCAL_SUFFIX.length) : undefined
}

/**
 * The migrations as they run on a cluster named `cluster` (from CLICKHOUSE_CLUSTER), or unchanged
 * on a single server or the embedded engine.
 * @example
 * for (const m of clusterForm(await readMigrations(), 'tellen')) console.log(m.statements.join(';\n'))
 */
export function clusterForm(migrations: readonly Migration[], cluster: string | undefined = process.env.CLICKHOUSE_CLUSTER || undefined): Migration[] {
  if (!cluster) return [...migrations]
  if (!/^\w+$/.test(cluster)) throw new Error(`CLICKHOUSE_CLUSTER must be a cluster name of letters, digits and _, not ${JSON.stringify(cluster)}`)
  const schema: ClusterSchema = { cluster, tables: new Map() }
  return migrations.map((m) => ({ ...m, statements: m.statements.flatMap((s) => renderStatement(s.trim(), schema)) }))
}

/**
 * Settings every query needs on a cluster: an insert into a Distributed table returns once every
 * shard has its rows (so an acknowledged batch is stored and its deduplication token checked by
 * each shard's Replicated table), and an IN or JOIN over a Distributed table sees every shard.
 */
export const CLUSTER_SETTINGS = {
  distributed_foreground_insert: 1,
  distributed_product_mode: 'global',
  insert_deduplicate: 1,
} as const

/** The settings for the deployment: those of a cluster when CLICKHOUSE_CLUSTER is set, else none. */
export const clusterSettings = (cluster: string | undefined = process.env.CLICKHOUSE_CLUSTER || undefined) => (cluster ? CLUSTER_SETTINGS : {})

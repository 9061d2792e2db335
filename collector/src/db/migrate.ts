import fs from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { isEmbedded, type Db } from './client.ts'
import { clusterForm } from './cluster.ts'
import { LEASES_TABLE, withLease } from './lease.ts'

/** The folder of numbered migrations shipped with Tellen. */
export const SQL_DIR = fileURLToPath(new URL('../../../sql/', import.meta.url))

export interface Migration {
  name: string
  statements: string[]
}

/** Splits a migration file into statements: each ends with a `;` at the end of a line. */
export function splitStatements(sql: string): string[] {
  const withoutComments = sql
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('--'))
    .join('\n')
  return withoutComments
    .split(/;\s*$/m)
    .map((s) => s.trim())
    .filter(Boolean)
}

/** Reads `NNN_name.sql` files from `dir`, in numeric order. */
export async function readMigrations(dir: string = SQL_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort()
  return Promise.all(
    files.map(async (f) => ({
      name: f.replace(/\.sql$/, ''),
      statements: splitStatements(await fs.readFile(path.join(dir, f), 'utf8')),
    })),
  )
}

/**
 * Creates the `tellen` database and applies, in order, every migration not yet recorded in
 * `tellen.migrations`. Returns the names it applied; a second run applies nothing.
 * @example
 * const applied = await migrate(db)
 */
export async function migrate(db: Db, dir: string = SQL_DIR): Promise<string[]> {
  const [database, ...bookkeeping] = clusterForm([{ name: 'bookkeeping', statements: BOOKKEEPING }])[0]!.statements
  await db.command({ query: database! })
  for (const query of bookkeeping) await db.command({ query })
  // Collectors starting at the same moment on one server apply the migrations once, one after the other.
  return isEmbedded(db) ? applyPending(db, dir) : withLease(db, 'migrations', () => applyPending(db, dir))
}

/** The database and the tables the migrator itself needs, before any migration. */
const BOOKKEEPING = [
  'CREATE DATABASE IF NOT EXISTS tellen ENGINE = Atomic',
  `CREATE TABLE IF NOT EXISTS tellen.migrations
      (name String, applied DateTime64(3, 'UTC') DEFAULT now64(3))
      ENGINE = ReplacingMergeTree ORDER BY name`,
  LEASES_TABLE,
]

async function applyPending(db: Db, dir: string): Promise<string[]> {
  const done = new Set(await appliedMigrations(db))
  const applied: string[] = []
  for (const m of clusterForm(await readMigrations(dir))) {
    if (done.has(m.name)) continue
    for (const statement of m.statements) await db.command({ query: statement })
    await db.insert({ table: 'tellen.migrations', values: [{ name: m.name }], format: 'JSONEachRow' })
    applied.push(m.name)
  }
  return applied
}

/** Names of the migrations recorded as applied. */
export async function appliedMigrations(db: Db): Promise<string[]> {
  const rs = await db.query({
    query: 'SELECT DISTINCT name FROM tellen.migrations ORDER BY name',
    format: 'JSONEachRow',
  })
  return (await rs.json<{ name: string }>()).map((r) => r.name)
}

/** True when every shipped migration has been applied. */
export async function isMigrated(db: Db, dir: string = SQL_DIR): Promise<boolean> {
  const done = new Set(await appliedMigrations(db).catch(() => []))
  return (await readMigrations(dir)).every((m) => done.has(m.name))
}

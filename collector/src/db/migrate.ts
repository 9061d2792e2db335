import { createHash } from 'node:crypto'
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
  /** `checksumOf` the file's text: recorded when the migration is applied, compared at every start. */
  checksum: string
}

/** Raised when an applied migration's file no longer has the text that was applied. */
export class ChangedMigrationError extends Error {
  override name = 'ChangedMigrationError'
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

/**
 * The SHA-256 of a migration's text, line endings made `\n` first (a checkout that turns them into
 * `\r\n` has not changed the migration).
 * @example
 * checksumOf('CREATE TABLE a (x UInt8) ENGINE = Memory;\n') // '64 hex digits'
 */
export function checksumOf(text: string): string {
  return createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex')
}

/** Reads `NNN_name.sql` files from `dir`, in numeric order. */
export async function readMigrations(dir: string = SQL_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort()
  return Promise.all(
    files.map(async (f) => {
      const text = await fs.readFile(path.join(dir, f), 'utf8')
      return { name: f.replace(/\.sql$/, ''), statements: splitStatements(text), checksum: checksumOf(text) }
    }),
  )
}

/**
 * The table of applied migrations. `checksum` is empty for a migration applied before checksums were
 * recorded; the next start records the text it finds then.
 */
const MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS tellen.migrations
      (name String, applied DateTime64(3, 'UTC') DEFAULT now64(3), checksum String DEFAULT '')
      ENGINE = ReplacingMergeTree ORDER BY name`

/** Creates the `tellen` database, its table of applied migrations (adding `checksum` to an older one) and the leases table. */
export async function prepareMigrationsTable(db: Db): Promise<void> {
  const bookkeeping = [
    'CREATE DATABASE IF NOT EXISTS tellen ENGINE = Atomic',
    MIGRATIONS_TABLE,
    `ALTER TABLE tellen.migrations ADD COLUMN IF NOT EXISTS checksum String DEFAULT ''`,
    LEASES_TABLE,
  ]
  const [rendered] = clusterForm([{ name: 'bookkeeping', statements: bookkeeping, checksum: '' }])
  for (const query of rendered!.statements) await db.command({ query })
}

/** Records migrations as applied with the checksum of their text. */
export async function recordMigrations(db: Db, migrations: readonly Pick<Migration, 'name' | 'checksum'>[]): Promise<void> {
  if (!migrations.length) return
  await db.insert({ table: 'tellen.migrations', values: migrations.map((m) => ({ name: m.name, checksum: m.checksum })), format: 'JSONEachRow' })
}

/**
 * Refuses (ChangedMigrationError, naming each) when an applied migration's file has changed since it
 * was applied: the database keeps the schema of the old text, so running on would hide the
 * difference. A migration applied before checksums existed has its checksum recorded now.
 */
async function checkApplied(db: Db, shipped: readonly Migration[], recorded: Map<string, string>): Promise<void> {
  const changed = shipped.filter((m) => recorded.get(m.name) && recorded.get(m.name) !== m.checksum)
  if (changed.length) {
    const names = changed.map((m) => `sql/${m.name}.sql`).join(', ')
    throw new ChangedMigrationError(
      `applied migration${changed.length > 1 ? 's' : ''} ${names} changed after ${changed.length > 1 ? 'they were' : 'it was'} applied to this database ` +
        `(its text no longer matches the recorded checksum): restore the applied text and put the change in a new migration`,
    )
  }
  await recordMigrations(db, shipped.filter((m) => recorded.get(m.name) === ''))
}

/**
 * Creates the `tellen` database and applies, in order, every migration not yet recorded in
 * `tellen.migrations`, recording each with the checksum of its text. Returns the names it applied; a
 * second run applies nothing. Refuses with ChangedMigrationError, before applying anything, when
 * the text of an applied migration has changed.
 * @example
 * const applied = await migrate(db)
 */
export async function migrate(db: Db, dir: string = SQL_DIR): Promise<string[]> {
  await prepareMigrationsTable(db)
  // Collectors starting at the same moment on one server apply the migrations once, one after the other.
  return isEmbedded(db) ? applyPending(db, dir) : withLease(db, 'migrations', () => applyPending(db, dir))
}

async function applyPending(db: Db, dir: string): Promise<string[]> {
  const shipped = await readMigrations(dir)
  const recorded = await recordedChecksums(db)
  await checkApplied(db, shipped, recorded)
  const applied: string[] = []
  // The cluster form is rendered from every migration in order: later ones refer to earlier tables.
  for (const m of clusterForm(shipped)) {
    if (recorded.has(m.name)) continue
    for (const statement of m.statements) await db.command({ query: statement })
    await recordMigrations(db, [m])
    applied.push(m.name)
  }
  return applied
}

/** The checksum recorded for each applied migration (empty when it was applied before checksums). */
export async function recordedChecksums(db: Db): Promise<Map<string, string>> {
  const rs = await db.query({
    query: 'SELECT name, argMax(checksum, applied) AS checksum FROM tellen.migrations GROUP BY name ORDER BY name',
    format: 'JSONEachRow',
  })
  return new Map((await rs.json<{ name: string; checksum: string }>()).map((r) => [r.name, r.checksum]))
}

/** Names of the migrations recorded as applied. */
export async function appliedMigrations(db: Db): Promise<string[]> {
  return [...(await recordedChecksums(db)).keys()]
}

/** True when every shipped migration has been applied. */
export async function isMigrated(db: Db, dir: string = SQL_DIR): Promise<boolean> {
  const done = new Set(await appliedMigrations(db).catch(() => []))
  return (await readMigrations(dir)).every((m) => done.has(m.name))
}

import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * Where the test run keeps a DATA_DIR whose database holds `sql/schema.sql` (set by
 * test/global-setup.ts, made by test/helpers/schema-template.ts).
 */
export const SCHEMA_TEMPLATE_ENV = 'TELLEN_TEST_SCHEMA_TEMPLATE'

/**
 * A fresh temporary DATA_DIR whose embedded database already has every migration applied and
 * recorded: a copy of the run's template, made from `sql/schema.sql`, so that a test whose subject is
 * not the migrations does not replay them all (a collector started on it applies none). Without the
 * template (a test file run outside vitest's global setup) it is an empty DATA_DIR, which the
 * collector or `migrate` fills as usual.
 * @example
 * const c = await startCollector({ TELLEN_SITES: 'example.com' }, migratedDataDir())
 */
export function migratedDataDir(prefix = 'tellen-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  const template = process.env[SCHEMA_TEMPLATE_ENV]
  if (template) {
    // The engine's links from data/ to store/ are relative, so the copy is a database of its own.
    fs.cpSync(path.join(template, 'clickhouse'), path.join(dir, 'clickhouse'), { recursive: true, verbatimSymlinks: true })
  }
  return dir
}

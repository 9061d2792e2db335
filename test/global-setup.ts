import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { SCHEMA_TEMPLATE_ENV } from './helpers/migrated-data-dir.ts'

/**
 * Gives the test run a temporary directory of its own (TMPDIR, which the forked test processes, the
 * collectors they start and Chromium inherit) and removes it when the run ends, so the data
 * directories that tests create do not pile up in the system's temporary directory. Makes the run's
 * migrated template DATA_DIR there once (helpers/migrated-data-dir.ts).
 */
export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-run-'))
  const previous = process.env.TMPDIR
  process.env.TMPDIR = dir
  const template = path.join(dir, 'schema-template')
  execFileSync(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'helpers/schema-template.ts'), template], { stdio: 'inherit' })
  process.env[SCHEMA_TEMPLATE_ENV] = template
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    delete process.env[SCHEMA_TEMPLATE_ENV]
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

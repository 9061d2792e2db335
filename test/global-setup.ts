import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { TestProject } from 'vitest/node'
import { SCHEMA_TEMPLATE_ENV } from './helpers/migrated-data-dir.ts'
import { COMPILED_PROGRAMS_ENV, compilePrograms, programArgs } from './helpers/programs.ts'

/**
 * Gives the test run a temporary directory of its own (TMPDIR, which the forked test processes, the
 * collectors they start and Chromium inherit) and removes it when the run ends, so the data
 * directories that tests create do not pile up in the system's temporary directory (removed by a
 * process of its own, which goes on after the run has ended). Compiles the
 * programs that tests start (helpers/programs.ts) there once, again before each rerun in watch
 * mode, and makes the run's migrated template DATA_DIR there once (helpers/migrated-data-dir.ts).
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-run-'))
  const previous = process.env.TMPDIR
  process.env.TMPDIR = dir
  const programs = path.join(dir, 'programs')
  await compilePrograms(programs)
  process.env[COMPILED_PROGRAMS_ENV] = programs
  project.onTestsRerun(() => compilePrograms(programs))
  const template = path.join(dir, 'schema-template')
  execFileSync(process.execPath, [...programArgs('schemaTemplate'), template], { stdio: 'inherit' })
  process.env[SCHEMA_TEMPLATE_ENV] = template
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    delete process.env[SCHEMA_TEMPLATE_ENV]
    delete process.env[COMPILED_PROGRAMS_ENV]
    // The run leaves about 125,000 files there (a database copy per collector and per test that opens
    // the engine); removing them took the run 40 s after its last test. A process of its own removes
    // them while the run ends.
    spawn(process.execPath, ['-e', 'require("node:fs").rmSync(process.argv[1], { recursive: true, force: true })', dir], { detached: true, stdio: 'ignore' }).unref()
  }
}

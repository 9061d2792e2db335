import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * Gives the test run a temporary directory of its own (TMPDIR, which the forked test processes, the
 * collectors they start and Chromium inherit) and removes it when the run ends, so the data
 * directories that tests create do not pile up in the system's temporary directory.
 */
export default function setup(): () => void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-run-'))
  const previous = process.env.TMPDIR
  process.env.TMPDIR = dir
  return () => {
    if (previous === undefined) delete process.env.TMPDIR
    else process.env.TMPDIR = previous
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

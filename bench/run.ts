import { spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { BenchResult } from './lib/harness.ts'
import { BENCHMARKS_FILE, machineSection, readSection, ROOT, writeSection } from './lib/report.ts'

/**
 * `npm run bench [-- name ...]`: runs every bench file in bench/ (or the named ones) one after the
 * other, each in its own process (the embedded engine binds one data directory per process), and
 * writes their sections, the machine and a table of headlines into BENCHMARKS.md. A bench file
 * reports through `benchMain` (bench/lib/harness.ts); one that does not is run, and keeps
 * whatever section it wrote itself.
 */
const benchDir = path.join(ROOT, 'bench')
const only = process.argv.slice(2)
const files = fs
  .readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .filter((f) => only.length === 0 || only.includes(f.replace(/\.ts$/, '')))
  .sort()
if (files.length === 0) {
  process.stderr.write(`no bench file matches ${only.join(', ')}\n`)
  process.exit(2)
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-bench-'))
const results: BenchResult[] = []
const failed: string[] = []
const started = new Date()
const loadBefore = os.loadavg()
for (const file of files) {
  process.stdout.write(`\n▶ ${file}\n`)
  const resultFile = path.join(tmp, `${file}.json`)
  const t0 = performance.now()
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(benchDir, file)], {
      cwd: ROOT,
      env: { ...process.env, BENCH_RESULT_FILE: resultFile },
      stdio: 'inherit',
    })
    child.on('exit', resolve)
  })
  process.stdout.write(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`)
  if (code !== 0) failed.push(file)
  else if (fs.existsSync(resultFile)) results.push(JSON.parse(fs.readFileSync(resultFile, 'utf8')) as BenchResult)
}
fs.rmSync(tmp, { recursive: true, force: true })

const command = `npm run bench${only.length ? ` -- ${only.join(' ')}` : ''}`
writeSection('machine', machineSection(command, started, loadBefore))
// Headlines of benches that did not run in this (partial) run are kept from the last run.
const anchor = (title: string) => title.toLowerCase().replace(/[^a-z0-9 -]/g, '').replace(/ /g, '-')
const headlines = new Map<string, string>()
for (const line of readSection('summary').split('\n')) {
  const m = /^\| \[([^\]]+)\]/.exec(line)
  if (m) headlines.set(m[1]!, line)
}
for (const r of results) headlines.set(r.title, `| [${r.title}](#${anchor(r.title)}) | ${r.headline} |`)
writeSection(
  'summary',
  [
    '## Headlines of the last run of each bench',
    '',
    '| bench | headline |',
    '|---|---|',
    ...headlines.values(),
    ...failed.map((f) => `| ${f} | failed in this run (see its output) |`),
  ].join('\n'),
)
for (const r of results) writeSection(r.id, r.markdown)
process.stdout.write(`\nwrote ${path.relative(ROOT, BENCHMARKS_FILE)}: ${results.map((r) => `${r.title}: ${r.headline}`).join('; ')}\n`)
if (failed.length) {
  process.stderr.write(`failed: ${failed.join(', ')}\n`)
  process.exit(1)
}

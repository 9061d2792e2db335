import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { bundleForNode } from '../../collector/build.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** Where the test run keeps the compiled programs (set by test/global-setup.ts, made by `compilePrograms`). */
export const COMPILED_PROGRAMS_ENV = 'TELLEN_TEST_COMPILED_PROGRAMS'

/** The programs that tests start as processes of their own, by their TypeScript entry points. */
const ENTRIES = {
  collector: 'collector/src/main.ts',
  cli: 'collector/src/cli/main.ts',
  clickhouseHttp: 'test/helpers/clickhouse-http-server.ts',
  schemaTemplate: 'test/helpers/schema-template.ts',
} as const
export type Program = keyof typeof ENTRIES

const compiledFile = (dir: string, program: Program) => path.join(dir, ENTRIES[program].replace(/\.ts$/, '.js'))

/**
 * Compiles every program into `dir` (bundleForNode, as `npm start` runs the collector), so that the
 * processes a test run starts by the hundred do not each compile the TypeScript again. Their
 * packages are found through a link from `dir` to the repository's node_modules.
 * @example
 * await compilePrograms(path.join(runDir, 'programs'))
 */
export async function compilePrograms(dir: string): Promise<void> {
  fs.mkdirSync(dir, { recursive: true })
  const modules = path.join(dir, 'node_modules')
  if (!fs.existsSync(modules)) fs.symlinkSync(path.join(ROOT, 'node_modules'), modules, 'dir')
  await Promise.all((Object.keys(ENTRIES) as Program[]).map((program) => bundleForNode(ENTRIES[program], compiledFile(dir, program))))
}

/**
 * Node's arguments that run `program`: its compiled JavaScript when the run compiled it, else its
 * TypeScript through tsx (the CLI through bin/tellen.js), for a test file run outside vitest's
 * global setup.
 * @example
 * spawn(process.execPath, [...programArgs('collector')], { env })
 */
export function programArgs(program: Program): string[] {
  const dir = process.env[COMPILED_PROGRAMS_ENV]
  if (dir) return [compiledFile(dir, program)]
  if (program === 'cli') return [path.join(ROOT, 'bin/tellen.js')]
  return ['--import', 'tsx', path.join(ROOT, ENTRIES[program])]
}

/**
 * The engine settings of the test run's collectors, CLI runs and engines opened in a test process:
 * no expression compiled to machine code. The engine compiles an expression once it has run three
 * times, which pays off in a process that lives for days (events-table answers at 10 million events
 * took up to a third longer without it, BENCHMARKS.md) but not in one that lives for seconds: a
 * collector took 14-22 % less CPU to take in and cut the stats tests' traffic, 11 % less to answer
 * a mix of their questions. Answers are the same either way.
 */
export const TEST_ENGINE_SETTINGS = { compile_expressions: 0, compile_aggregate_expressions: 0, compile_sort_description: 0 } as const
/** `TEST_ENGINE_SETTINGS` as CLICKHOUSE_SETTINGS. */
export const TEST_ENGINE_SETTINGS_ENV = Object.entries(TEST_ENGINE_SETTINGS).map(([name, value]) => `${name}=${value}`).join(',')

/** What a run of the CLI ended with. */
export interface CliRun {
  code: number
  out: string
  err: string
}

const run = promisify(execFile)

/**
 * Runs the `tellen` CLI with `args` and only `env` besides PATH, HOME and the test run's engine
 * settings (`TEST_ENGINE_SETTINGS`), and answers its exit code
 * and output, also when it fails.
 * @example
 * const r = await tellen(['sites', 'list'], { DATA_DIR: dir })
 */
export async function tellen(args: string[], env: Record<string, string>): Promise<CliRun> {
  try {
    const r = await run(process.execPath, [...programArgs('cli'), ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, CLICKHOUSE_SETTINGS: TEST_ENGINE_SETTINGS_ENV, ...env } })
    return { code: 0, out: r.stdout, err: r.stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, out: err.stdout, err: err.stderr }
  }
}

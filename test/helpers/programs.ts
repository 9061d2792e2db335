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

/** What a run of the CLI ended with. */
export interface CliRun {
  code: number
  out: string
  err: string
}

const run = promisify(execFile)

/**
 * Runs the `tellen` CLI with `args` and only `env` besides PATH and HOME, and answers its exit code
 * and output, also when it fails.
 * @example
 * const r = await tellen(['sites', 'list'], { DATA_DIR: dir })
 */
export async function tellen(args: string[], env: Record<string, string>): Promise<CliRun> {
  try {
    const r = await run(process.execPath, [...programArgs('cli'), ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env } })
    return { code: 0, out: r.stdout, err: r.stderr }
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string }
    return { code: err.code, out: err.stdout, err: err.stderr }
  }
}

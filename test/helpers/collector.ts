import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { openDb, type Db } from '../../collector/src/db/client.ts'
import { migratedDataDir } from './migrated-data-dir.ts'
import { programArgs, TEST_ENGINE_SETTINGS, TEST_ENGINE_SETTINGS_ENV } from './programs.ts'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
/** How long a collector may take to start (or to fail) on a busy machine; each wait ends as soon as it does. */
export const START_DEADLINE_MS = 180_000
/**
 * How long a test waits for a condition that a busy machine delays (events written, visits cut, a
 * page drawn); each wait ends as soon as the condition holds.
 */
export const CONDITION_DEADLINE_MS = 120_000

export interface Collector {
  url: string
  dataDir: string
  adminToken: string
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string
  /** Sends a signal (SIGTERM by default) and waits for the process to exit; resolves its exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
  process: ChildProcess
}

/** The collector key given to collectors of a ClickHouse server (TELLEN_SECRET), which require one. */
export const TEST_SECRET = 'test-collector-secret-0123456789abcdef'

/** A fresh temporary DATA_DIR. */
export function tempDataDir(prefix = 'tellen-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix))
}

/**
 * Starts the real collector (`collector/src/main.ts`, compiled: see programs.ts) as a child process on a free port and waits
 * until it listens. `env` is added to a clean environment with PORT=0 and the test run's engine settings
 * (`TEST_ENGINE_SETTINGS`); `nodeArgs` go to Node (e.g.
 * `--cpu-prof`, which Node does not take from NODE_OPTIONS). The default DATA_DIR is already
 * migrated (`migratedDataDir`); pass `tempDataDir()` for a collector that applies the migrations.
 * @example
 * const c = await startCollector({ TELLEN_SITES: 'example.com' })
 * await fetch(`${c.url}/api/event`, { method: 'POST', body })
 * await c.stop()
 */
export async function startCollector(env: Record<string, string> = {}, dataDir = migratedDataDir(), nodeArgs: readonly string[] = [], startTimeoutMs = START_DEADLINE_MS): Promise<Collector> {
  const adminToken = env.TELLEN_ADMIN_TOKEN ?? 'test-admin-token-0123456789'
  const child = spawn(process.execPath, [...nodeArgs, ...programArgs('collector')], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PORT: '0',
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      TELLEN_ADMIN_TOKEN: adminToken,
      // Written within half a second, and in fewer, larger inserts than every 100 ms: each insert makes
      // a part in every table the events feed, which the engine then merges (the collectors of a run
      // took about a fifth less CPU).
      TELLEN_FLUSH_INTERVAL_MS: '500',
      CLICKHOUSE_SETTINGS: TEST_ENGINE_SETTINGS_ENV,
      ...(env.CLICKHOUSE_URL ? { TELLEN_SECRET: TEST_SECRET } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      // Never leave a collector behind that the caller cannot stop.
      child.kill('SIGKILL')
      reject(new Error(`collector did not say it listens within ${startTimeoutMs / 1000} s (LOG_LEVEL must be info or lower):\n${out}`))
    }, startTimeoutMs)
    const check = () => {
      const m = /"port":(\d+).*tellen is listening/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve(Number(m[1]))
      }
    }
    child.stdout!.on('data', check)
    void exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`collector exited with ${code}:\n${out}`))
    })
  })
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir,
    adminToken,
    output: () => out,
    process: child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode
      child.kill(signal)
      return exited
    },
  }
}

/**
 * Runs the collector until it exits by itself (killed after START_DEADLINE_MS), for starts that must fail:
 * resolves its exit code and output. `env` is added to a clean environment with a fresh, migrated DATA_DIR.
 */
export function runCollectorToExit(env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, programArgs('collector'), {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: migratedDataDir(), TELLEN_ADMIN_TOKEN: 'test-admin-token-0123456789', LOG_LEVEL: 'warn', ...(env.CLICKHOUSE_URL ? { TELLEN_SECRET: TEST_SECRET } : {}), ...env },
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), START_DEADLINE_MS)
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Opens a stopped collector's DATA_DIR with the embedded engine, runs `fn`, and closes it. */
export async function withDataDir<T>(dataDir: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = openDb({ dataDir, settings: TEST_ENGINE_SETTINGS })
  try {
    return await fn(db)
  } finally {
    await db.close()
  }
}

/** Runs a query and returns its rows. */
export async function rows<T = Record<string, unknown>>(db: Db, query: string, params: Record<string, unknown> = {}): Promise<T[]> {
  const rs = await db.query({ query, query_params: params, format: 'JSONEachRow' })
  return rs.json<T>()
}

/** Real user agents, for tests that need a browser, a phone or a bot. */
export const UA = {
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  firefoxWindows: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0',
  safariIphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  chromeAndroidTablet: 'Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  curl: 'curl/8.5.0',
} as const

/** Posts a body to `/api/event` as sendBeacon does (text/plain) and returns status and JSON. */
export async function postEvents(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(`${url}/api/event`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', 'user-agent': UA.chromeMac, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = text
  }
  return { status: res.status, json, headers: res.headers }
}

/**
 * Runs `tasks`, at most `limit` at a time: a test that asks a collector many questions, or drives
 * many pages, keeps both cores busy (the collector answers one while the test works out another).
 * @example await inTurns(4, filters.map((f) => async () => compare(await get(f), model(f))))
 */
export async function inTurns(limit: number, tasks: readonly (() => Promise<void>)[]): Promise<void> {
  let next = 0
  const worker = async () => {
    while (next < tasks.length) await tasks[next++]!()
  }
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker))
}

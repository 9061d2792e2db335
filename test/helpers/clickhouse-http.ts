/**
 * A ClickHouse-compatible HTTP endpoint backed by the embedded engine, in a child process that can
 * be killed and started again: a stand-in for a ClickHouse server that goes away. It answers what
 * @clickhouse/client sends: the query in the `query` URL parameter or in the body, settings and
 * `param_*` values as URL parameters, insert data as the body (binary formats such as Native too), `/ping`, gzip when asked for, and
 * errors with ClickHouse's status, `X-ClickHouse-Exception-Code` header and error text, and
 * sessions (`session_id`): a `SET` in a session holds for that session's later queries, as on a
 * server. Queries run one at a time. It is a test fixture, never shipped: users, quotas, temporary
 * tables and the native protocol are not there.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { programArgs } from './programs.ts'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

export interface ClickHouseHttp {
  url: string
  port: number
  /** Kills the server process (SIGKILL): in-flight queries die with it. */
  kill(): Promise<void>
  /** Starts it again on the same port and data directory. */
  restart(): Promise<void>
  stop(): Promise<void>
}

function spawnServer(dir: string, port: number): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, [...programArgs('clickhouseHttp'), dir, String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`clickhouse stand-in did not start:\n${out}`)), 30_000)
    const onData = (d: Buffer) => {
      out += d.toString()
      const m = /listening on (\d+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        resolve({ child, port: Number(m[1]) })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()))
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      reject(new Error(`clickhouse stand-in exited with ${code}:\n${out}`))
      if (signal !== 'SIGKILL' && code !== 0) process.stderr.write(`clickhouse stand-in exited with ${code ?? signal}:\n${out.slice(-4000)}\n`)
    })
  })
}

const exit = (child: ChildProcess, signal: NodeJS.Signals) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    child.once('exit', () => resolve())
    child.kill(signal)
  })

/**
 * Starts the stand-in on `dir` (its own data directory, not a collector's).
 * @example
 * const ch = await startClickHouseHttp(tempDataDir())
 * const c = await startCollector({ CLICKHOUSE_URL: ch.url })
 * await ch.kill(); ...; await ch.restart()
 */
export async function startClickHouseHttp(dir: string): Promise<ClickHouseHttp> {
  let { child, port } = await spawnServer(dir, 0)
  return {
    get url() {
      return `http://127.0.0.1:${port}`
    },
    get port() {
      return port
    },
    kill: () => exit(child, 'SIGKILL'),
    async restart() {
      await exit(child, 'SIGKILL')
      for (let attempt = 0; ; attempt++) {
        try {
          ;({ child } = await spawnServer(dir, port))
          return
        } catch (err) {
          if (attempt > 20 || !/EADDRINUSE/.test((err as Error).message)) throw err
          await new Promise((r) => setTimeout(r, 100))
        }
      }
    },
    stop: () => exit(child, 'SIGTERM'),
  }
}


import fs from 'node:fs'
import { readAdminToken } from '../admin-token.ts'
import { DataDirInUseError, lockDataDir, runningUrl } from '../data-dir-lock.ts'
import type { Config } from '../config.ts'
import { openDb, type Db } from '../db/client.ts'

/** A clear, one-line CLI failure; printed without a stack trace. */
export class CliError extends Error {
  override name = 'CliError'
}

/** The running collector's admin API. */
export interface AdminApi {
  url: string
  call<T>(method: string, path: string, body?: unknown): Promise<T>
  /** Calls an endpoint that answers with NDJSON and yields its lines as they arrive. */
  stream(method: string, path: string, body?: unknown): Promise<AsyncIterable<string>>
  /** GETs an endpoint that answers with a file; a refusal becomes a CliError with its message. */
  download(path: string): Promise<Response>
}

/**
 * The address of a running collector: TELLEN_URL, else the one the collector holding DATA_DIR wrote
 * in its lock file (so PORT need not be repeated), else this machine's PORT.
 */
export function serverUrl(config: Config, env: NodeJS.ProcessEnv = process.env): string {
  return (env.TELLEN_URL ?? runningUrl(config.dataDir) ?? `http://127.0.0.1:${config.port}`).replace(/\/$/, '')
}

async function answers(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1500) })
    return res.ok
  } catch {
    return false
  }
}

function adminApi(url: string, token: string | undefined): AdminApi {
  const send = (method: string, path: string, body?: unknown) => {
    if (!token) throw new CliError('no admin token: set TELLEN_ADMIN_TOKEN or run where DATA_DIR holds admin-token')
    return fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  }
  return {
    url,
    async download(path) {
      const res = await send('GET', path)
      if (!res.ok || !res.body) {
        const payload = (await res.json().catch(() => ({}))) as { error?: string }
        throw new CliError(`${url}${path} answered ${res.status}: ${payload.error ?? res.statusText}`)
      }
      return res
    },
    async stream(method, path, body) {
      const res = await send(method, path, body)
      if (!res.ok || !res.body) {
        const payload = (await res.json().catch(() => ({}))) as { error?: string }
        throw new CliError(`${url}${path} answered ${res.status}: ${payload.error ?? res.statusText}`)
      }
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
      return (async function* () {
        let rest = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          rest += value
          const lines = rest.split('\n')
          rest = lines.pop()!
          for (const line of lines) if (line.trim()) yield line
        }
        if (rest.trim()) yield rest
      })()
    },
    async call<T>(method: string, path: string, body?: unknown): Promise<T> {
      const res = await send(method, path, body)
      const payload = (await res.json().catch(() => ({}))) as { error?: string }
      if (!res.ok) throw new CliError(`${url}${path} answered ${res.status}: ${payload.error ?? res.statusText}`)
      return payload as T
    },
  }
}

/** The admin API of the collector running at `serverUrl`, or undefined when none answers. */
export async function runningCollector(config: Config): Promise<AdminApi | undefined> {
  const url = serverUrl(config)
  return (await answers(url)) ? adminApi(url, readAdminToken(config.dataDir, config.adminToken)) : undefined
}

/**
 * Runs a CLI command against the running collector's admin API when one answers (it owns the embedded
 * engine's DATA_DIR), and otherwise opens the database itself, holding DATA_DIR as a collector does:
 * a collector that runs there but does not answer at `serverUrl` is not written beside.
 */
export async function withBackend<T>(
  config: Config,
  run: { remote: (api: AdminApi) => Promise<T>; local: (db: Db) => Promise<T> },
): Promise<T> {
  const api = await runningCollector(config)
  if (api) return run.remote(api)
  fs.mkdirSync(config.dataDir, { recursive: true })
  const lock = await lockDataDir(config.dataDir).catch((err: Error) => {
    if (err instanceof DataDirInUseError) throw new CliError(`${err.message}; it does not answer at ${serverUrl(config)}: set TELLEN_URL to its address`)
    throw err
  })
  try {
    const db = openDb({ url: config.clickhouseUrl, username: config.clickhouseUser, password: config.clickhousePassword, dataDir: config.dataDir, settings: config.clickhouseSettings })
    try {
      return await run.local(db)
    } finally {
      await db.close()
    }
  } finally {
    lock.release()
  }
}

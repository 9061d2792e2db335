/**
 * The ClickHouse stand-in of test/helpers/clickhouse-http.ts, as a program of its own
 * (`clickhouse-http-server.ts DIR PORT`): serves the embedded engine on DIR over HTTP on PORT (0
 * for any) and says `listening on <port>` once it does.
 */
import fs from 'node:fs'
import http from 'node:http'
import os from 'node:os'
import path from 'node:path'
import type { AddressInfo } from 'node:net'
import { gunzipSync, gzipSync } from 'node:zlib'

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', '0': '\0' }
/** Values of `param_*` arrive in the escaped text format (`\'`, `\\`, `\n`); the engine binds them unescaped. */
const unescapeText = (v: string) => v.replace(/\\(.)/gs, (_, c: string) => ESCAPES[c] ?? c)

/** An insert whose data is in a binary format: the statement without its FORMAT clause, and the format. */
const BINARY_INSERT = /^\s*(INSERT\s+INTO\s+[\s\S]*?)\s+FORMAT\s+(Native|RowBinary\w*)\s*$/i

/** URL parameters of the HTTP interface that are not settings. */
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'session_id', 'session_timeout', 'session_check', 'user', 'password'])

/**
 * The HTTP status a ClickHouse server answers an exception with, by its code (the server's
 * `exceptionCodeToHTTPStatus`): bad input is a 400, a missing table or database a 404, a write
 * refused by `readonly` a 403; anything else a 500.
 */
const STATUS_OF_CODE: Record<string, number> = {
  ...Object.fromEntries(['6', '25', '26', '27', '32', '33', '34', '36', '38', '39', '41', '43', '46', '47', '53', '62', '69', '72', '115', '117', '456', '457'].map((c) => [c, 400])),
  '60': 404, '81': 404, '85': 404,
  '164': 403,
}

/** The settings of a `SET a = 1, b = 'x'` statement, or undefined for any other query. */
function setStatement(query: string): Record<string, string> | undefined {
  const m = /^\s*SET\s+([\s\S]+?);?\s*$/i.exec(query)
  if (!m) return undefined
  const settings: Record<string, string> = {}
  for (const pair of m[1]!.match(/\w+\s*=\s*('(?:[^'\\]|\\.)*'|[^,\s]+)/g) ?? []) {
    const [, name, raw] = /^(\w+)\s*=\s*([\s\S]*)$/.exec(pair)!
    settings[name!] = raw!.startsWith("'") ? unescapeText(raw!.slice(1, -1)) : raw!
  }
  return settings
}

async function serve(dir: string, port: number): Promise<void> {
  const { createChdbConnection } = await import('chdb/connection')
  const conn = createChdbConnection({ path: dir })
  let queue: Promise<unknown> = Promise.resolve()
  /** Runs `fn` after every query before it: the engine runs one at a time. */
  const serially = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = queue.then(fn, fn)
    queue = p.catch(() => undefined)
    return p
  }
  const text = async (query: string, params: Record<string, string>) => {
    const result = await conn.exec({ query, query_id: crypto.randomUUID(), query_params: params } as never)
    const out: Buffer[] = []
    for await (const c of (result as { stream: AsyncIterable<Buffer> }).stream) out.push(Buffer.from(c))
    return Buffer.concat(out).toString('utf8')
  }
  /** The settings each session set with `SET`. */
  const sessions = new Map<string, Record<string, string>>()
  /** The server's default of each setting a session changed. */
  const defaults = new Map<string, string>()
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = []
    for await (const c of req) chunks.push(c as Buffer)
    let body = Buffer.concat(chunks)
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body)
    const url = new URL(req.url ?? '/', 'http://localhost')
    if (url.pathname === '/ping' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Ok.\n')
      return
    }
    const settings: Record<string, string> = {}
    const params: Record<string, string> = {}
    for (const [k, v] of url.searchParams) {
      if (k.startsWith('param_')) params[k.slice(6)] = unescapeText(v)
      else if (!NOT_SETTINGS.has(k)) settings[k] = v
    }
    const inUrl = url.searchParams.get('query')
    let query = inUrl ?? body.toString('utf8')
    let values = inUrl !== null && body.length ? body.toString('utf8') : undefined
    const queryId = url.searchParams.get('query_id') ?? crypto.randomUUID()
    const sessionId = url.searchParams.get('session_id')
    if (sessionId !== null) {
      if (url.searchParams.get('session_check') === '1' && !sessions.has(sessionId)) {
        res.writeHead(404, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': '372', 'x-clickhouse-query-id': queryId })
        res.end(`Code: 372. DB::Exception: Session ${sessionId} not found. (SESSION_NOT_FOUND)\n`)
        return
      }
      const session = sessions.get(sessionId) ?? {}
      sessions.set(sessionId, session)
      const set = setStatement(query)
      if (set) {
        for (const name of Object.keys(set)) {
          if (defaults.has(name)) continue
          const value = await serially(() => text('SELECT value FROM system.settings WHERE name = {name:String} FORMAT TabSeparatedRaw', { name }))
          defaults.set(name, value.trim())
        }
        Object.assign(session, set)
        res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-query-id': queryId, 'x-clickhouse-summary': '{}' }).end()
        return
      }
      for (const [k, v] of Object.entries(session)) settings[k] ??= v
    }
    // The engine takes inline insert data as text: a binary body is read from a file instead.
    const binary = inUrl !== null && body.length ? BINARY_INSERT.exec(query) : null
    const file = binary ? path.join(os.tmpdir(), `tellen-ch-insert-${crypto.randomUUID()}.bin`) : undefined
    if (binary && file) {
      fs.writeFileSync(file, body)
      query = `${binary[1]} FROM INFILE '${file}' COMPRESSION 'none' FORMAT ${binary[2]}`
      values = undefined
    }
    // The engine keeps a query's settings for the next one: a setting some session set goes back to
    // its default for every query that does not set it.
    for (const [k, v] of defaults) settings[k] ??= v
    const run = async () => {
      const result = await conn.exec({
        query,
        query_id: queryId,
        clickhouse_settings: settings,
        ...(Object.keys(params).length ? { query_params: params } : {}),
        ...(values !== undefined ? { values } : {}),
      } as never)
      const out: Buffer[] = []
      for await (const c of result.stream) out.push(Buffer.from(c as Buffer))
      return { data: Buffer.concat(out), summary: (result as { summary?: unknown }).summary }
    }
    try {
      const { data, summary } = await serially(run).finally(() => file && fs.rmSync(file, { force: true }))
      const gzip = settings.enable_http_compression === '1' && /gzip/.test(String(req.headers['accept-encoding'] ?? ''))
      res.writeHead(200, {
        'content-type': 'text/plain; charset=UTF-8',
        'x-clickhouse-query-id': queryId,
        'x-clickhouse-summary': JSON.stringify(summary ?? {}),
        ...(gzip ? { 'content-encoding': 'gzip' } : {}),
      })
      res.end(gzip ? gzipSync(data) : data)
    } catch (err) {
      // The engine's own error, as a server writes it, is the cause of the client's error.
      const cause = (err as Error & { cause?: Error }).cause
      const message = cause?.message?.startsWith('Code:') ? cause.message : (err as Error).message
      const code = /Code: (\d+)/.exec(message)?.[1] ?? '1000'
      res.writeHead(STATUS_OF_CODE[code] ?? 500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': code, 'x-clickhouse-query-id': queryId })
      res.end(message.startsWith('Code:') ? message : `Code: ${code}. DB::Exception: ${message}`)
    }
  })
  server.keepAliveTimeout = 10_000
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(`listening on ${(server.address() as AddressInfo).port}\n`)
  })
  process.on('SIGTERM', () => {
    server.close()
    void queue.then(() => conn.close()).then(() => process.exit(0))
  })
}

await serve(process.argv[2]!, Number(process.argv[3] ?? 0))

import { createHash } from 'node:crypto'
import zlib from 'node:zlib'
import { Hono } from 'hono'
import { accepts } from 'hono/accepts'
import { etag } from 'hono/etag'
import { buildSdk, type SdkFile } from '../../../sdk/build.ts'
import type { Env } from '../context.ts'

interface Script {
  body: Uint8Array
  /** The body compressed for clients that accept it (brotli, else gzip): once, at the first such request. */
  encoded(encoding: 'br' | 'gzip'): Uint8Array
  etag: string
}

/**
 * Compresses `body` at most once per encoding. Brotli at quality 11 and gzip at level 9 of both
 * scripts took 100 ms of CPU at every start when done before listening; most collectors (a test's,
 * one that only takes events from a script served elsewhere) never serve them compressed.
 */
function encodings(body: Uint8Array): Script['encoded'] {
  const done: Partial<Record<'br' | 'gzip', Uint8Array>> = {}
  return (encoding) =>
    (done[encoding] ??= encoding === 'br' ? zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }) : zlib.gzipSync(body, { level: 9 }))
}

let scripts: Promise<Record<SdkFile, Script>> | undefined

/**
 * Builds the browser scripts once per process, in memory (esbuild, about 200 ms), so they exist
 * wherever the collector runs, with no build step. The server awaits this before it listens.
 */
export function prepareSdk(): Promise<Record<SdkFile, Script>> {
  scripts ??= buildSdk().then((files) => {
    const out = {} as Record<SdkFile, Script>
    for (const [name, body] of Object.entries(files) as [SdkFile, Uint8Array][]) {
      out[name] = {
        body,
        encoded: encodings(body),
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      }
    }
    return out
  })
  return scripts
}

/** The encoding the client likes best of brotli and gzip, brotli when it likes both as much (it is smaller). */
function smallest(accepted: { type: string; q: number }[]): string {
  const q = (name: string) => Math.max(0, ...accepted.filter((a) => a.type.toLowerCase() === name).map((a) => a.q))
  const br = q('br')
  const gzip = q('gzip')
  return br > 0 && br >= gzip ? 'br' : gzip > 0 ? 'gzip' : 'identity'
}

/**
 * `GET /t.js` (the core script) and `GET /t.vitals.js` (the after-load chunk): cacheable for an
 * hour, with a content hash in the `ETag`, and 304 when `If-None-Match` holds it; brotli or gzip
 * for a client that accepts it (compressed once, at the first such request).
 */
export function sdkRoutes(): Hono<Env> {
  const app = new Hono<Env>()
  app.use('/t.js', etag())
  app.use('/t.vitals.js', etag())
  for (const name of ['t.js', 't.vitals.js'] as const) {
    app.get(`/${name}`, async (c) => {
      const script = (await prepareSdk())[name]
      const encoding = accepts(c, { header: 'Accept-Encoding', supports: ['br', 'gzip'], default: 'identity', match: smallest })
      c.header('Content-Type', 'text/javascript; charset=utf-8')
      c.header('Cache-Control', 'public, max-age=3600')
      c.header('Vary', 'Accept-Encoding')
      if (encoding === 'identity') {
        c.header('ETag', script.etag)
        return c.body(script.body.slice())
      }
      // Each encoding is its own representation, with its own ETag.
      c.header('ETag', `${script.etag.slice(0, -1)}-${encoding}"`)
      c.header('Content-Encoding', encoding)
      return c.body(script.encoded(encoding as 'br' | 'gzip').slice())
    })
  }
  return app
}

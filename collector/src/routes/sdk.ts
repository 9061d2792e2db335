import { createHash } from 'node:crypto'
import { Hono } from 'hono'
import { etag } from 'hono/etag'
import { buildSdk, type SdkFile } from '../../../sdk/build.ts'
import type { Env } from '../context.ts'

interface Script {
  body: Uint8Array
  etag: string
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
      out[name] = { body, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` }
    }
    return out
  })
  return scripts
}

/**
 * `GET /t.js` (the core script) and `GET /t.vitals.js` (the after-load chunk): cacheable for an
 * hour, with a content hash in the `ETag`, and 304 when `If-None-Match` holds it.
 */
export function sdkRoutes(): Hono<Env> {
  const app = new Hono<Env>()
  app.use('/t.js', etag())
  app.use('/t.vitals.js', etag())
  for (const name of ['t.js', 't.vitals.js'] as const) {
    app.get(`/${name}`, async (c) => {
      const script = (await prepareSdk())[name]
      c.header('Content-Type', 'text/javascript; charset=utf-8')
      c.header('Cache-Control', 'public, max-age=3600')
      c.header('ETag', script.etag)
      return c.body(script.body.slice())
    })
  }
  return app
}

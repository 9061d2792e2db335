import { createHash } from 'node:crypto'
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { buildDashboard } from '../../../dashboard/build.ts'

/** One file the dashboard serves, with its content type and a strong ETag from its content hash. */
export interface DashboardFile {
  body: Uint8Array
  /** The same bytes gzipped once at build, for clients that accept it. */
  gzip: Uint8Array
  type: string
  /** The content hash in quotes; the gzipped variant's ETag adds `-gz`. */
  etag: string
}

/** The page and its assets; assets are named by content hash, so they can be cached for good. */
export interface DashboardAssets {
  html: DashboardFile
  /** By file name under `/dashboard/assets/`, e.g. `app.3f9c1a2b7d4e.js`. */
  assets: ReadonlyMap<string, DashboardFile>
}

const TEMPLATE = fileURLToPath(new URL('../../../dashboard/index.html', import.meta.url))

const hashOf = (body: Uint8Array) => createHash('sha256').update(body).digest('base64url').slice(0, 16)
const file = (body: Uint8Array, type: string): DashboardFile => ({ body, gzip: gzipSync(body, { level: 9 }), type, etag: `"${hashOf(body)}"` })

/** Bundles the dashboard and fills the page template with the hashed asset names. */
export async function buildDashboardAssets(): Promise<DashboardAssets> {
  const bundle = await buildDashboard()
  const js = file(bundle.js, 'text/javascript; charset=utf-8')
  const css = file(bundle.css, 'text/css; charset=utf-8')
  const jsName = `app.${js.etag.slice(1, 13)}.js`
  const cssName = `style.${css.etag.slice(1, 13)}.css`
  const html = fs
    .readFileSync(TEMPLATE, 'utf8')
    .replace('{{script}}', `/dashboard/assets/${jsName}`)
    .replace('{{style}}', `/dashboard/assets/${cssName}`)
  return {
    html: file(new TextEncoder().encode(html), 'text/html; charset=utf-8'),
    assets: new Map([[jsName, js], [cssName, css]]),
  }
}

let built: Promise<DashboardAssets> | undefined

/** The dashboard, built once per process on first use (esbuild takes well under a second). */
export function dashboardAssets(): Promise<DashboardAssets> {
  built ??= buildDashboardAssets().catch((err: unknown) => {
    built = undefined
    throw err
  })
  return built
}

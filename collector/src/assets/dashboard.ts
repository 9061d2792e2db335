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
  /** The start page served at `/`. */
  home: DashboardFile
  /** By file name under `/dashboard/assets/`, e.g. `app.3f9c1a2b7d4e.js`. */
  assets: ReadonlyMap<string, DashboardFile>
}

const TEMPLATE = fileURLToPath(new URL('../../../dashboard/index.html', import.meta.url))
const HOME_TEMPLATE = fileURLToPath(new URL('../../../dashboard/home.html', import.meta.url))

const hashOf = (body: Uint8Array) => createHash('sha256').update(body).digest('base64url').slice(0, 16)
const file = (body: Uint8Array, type: string): DashboardFile => ({ body, gzip: gzipSync(body, { level: 9 }), type, etag: `"${hashOf(body)}"` })

/** Bundles the dashboard and fills the page template with the hashed asset names. */
export async function buildDashboardAssets(): Promise<DashboardAssets> {
  const bundle = await buildDashboard()
  const js = file(bundle.js, 'text/javascript; charset=utf-8')
  const css = file(bundle.css, 'text/css; charset=utf-8')
  const jsName = `app.${js.etag.slice(1, 13)}.js`
  const home = file(bundle.home, 'text/javascript; charset=utf-8')
  const cssName = `style.${css.etag.slice(1, 13)}.css`
  const homeName = `home.${home.etag.slice(1, 13)}.js`
  const page = (template: string, script: string) =>
    file(new TextEncoder().encode(fs.readFileSync(template, 'utf8').replace('{{script}}', `/dashboard/assets/${script}`).replace('{{style}}', `/dashboard/assets/${cssName}`)), 'text/html; charset=utf-8')
  return {
    html: page(TEMPLATE, jsName),
    home: page(HOME_TEMPLATE, homeName),
    assets: new Map([[jsName, js], [homeName, home], [cssName, css]]),
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

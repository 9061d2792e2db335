import fs from 'node:fs'
import path from 'node:path'
import type { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../collector/src/app.ts'
import { loadConfig } from '../collector/src/config.ts'
import type { Env } from '../collector/src/context.ts'
import { createLogger } from '../collector/src/log.ts'
import { startServer, type RunningServer } from '../collector/src/server.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const SITE = 'walk.test'
const OTHER = 'other-walk.test'
const ADMIN = 'route-walk-admin-token-0123456789'

/**
 * What answers without a token: the event endpoint and its CORS preflight, the scripts, the
 * well-known files, the health checks, the start page, and the dashboard's page and assets (which hold no data).
 * Keys are `METHOD path` as the route is registered.
 */
const PUBLIC = new Set([
  'POST /api/event',
  'OPTIONS /api/event',
  'GET /t.js',
  'GET /t.vitals.js',
  'GET /.well-known/dnt/',
  'GET /.well-known/dnt',
  'GET /.well-known/gpc.json',
  'GET /healthz',
  'GET /readyz',
  // The start page: what Tellen is and the health; the sites it lists come from the admin API, with the token.
  'GET /',
])
const isPublic = (method: string, route: string) =>
  PUBLIC.has(`${method} ${route}`) || (method === 'GET' && (route === '/dashboard' || route.startsWith('/dashboard/')))

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const

/** A concrete path for a registered pattern: parameters get a registered site or a plain word. */
function expand(pattern: string, site: string): string {
  return pattern
    .replace(/:(site|domain)(\{[^}]*\})?\??/g, site)
    .replace(/:dimension(\{[^}]*\})?\??/g, 'page')
    .replace(/:[A-Za-z_]\w*(\{[^}]*\})?\??/g, 'x1')
    .replace(/\*/g, 'x1')
}

interface Probe {
  method: string
  /** The pattern as registered, and `ALL` routes are middleware or catch-alls. */
  route: string
  registered: string
  path: string
}

/** Every method and concrete path that the app's registered routes answer, each once. */
function probes(app: Hono<Env>, site: string): Probe[] {
  const out = new Map<string, Probe>()
  for (const r of app.routes) {
    const methods = r.method === 'ALL' ? METHODS : r.method === 'GET' ? (['GET', 'HEAD'] as const) : [r.method]
    for (const method of methods) {
      const p = { method, route: r.path, registered: r.method, path: expand(r.path, site) }
      out.set(`${method} ${p.path}`, out.get(`${method} ${p.path}`)?.registered === 'ALL' ? p : (out.get(`${method} ${p.path}`) ?? p))
    }
  }
  return [...out.values()]
}

/**
 * Calls every probe without a token and with a wrong one, and returns what is not refused: a
 * non-public route must answer 401 or 403. A pattern registered for every method (middleware) may
 * also answer 404 or 405 for a method nothing handles, but never a success.
 */
async function unprotected(app: Hono<Env>, site: string): Promise<string[]> {
  const problems: string[] = []
  for (const p of probes(app, site)) {
    if (isPublic(p.method === 'HEAD' ? 'GET' : p.method, p.route)) continue
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789abcdef', 'Basic YWRtaW46YWRtaW4=']) {
      const headers: Record<string, string> = { 'content-type': 'application/json' }
      if (authorization) headers.authorization = authorization
      const res = await app.request(p.path, { method: p.method, headers, body: ['GET', 'HEAD'].includes(p.method) ? undefined : '{}' })
      const allowed = p.registered === 'ALL' ? [401, 403, 404, 405] : [401, 403]
      if (!allowed.includes(res.status)) problems.push(`${p.method} ${p.path} (${p.registered} ${p.route}) answered ${res.status} with ${authorization ?? 'no token'}`)
    }
  }
  return problems
}

let server: RunningServer
let app: Hono<Env>
const dataDir = migratedDataDir('tellen-routes-')
const issued: Record<string, string> = {}

const call = (method: string, p: string, token?: string, body?: unknown) =>
  app.request(p, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })

beforeAll(async () => {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TELLEN_SITES: `${SITE},${OTHER}`, TELLEN_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'silent' })
  server = await startServer(config, createLogger('silent'))
  app = createApp(server.services)
  for (const [name, body] of [['read', { kind: 'read' }], ['scoped', { kind: 'read', site: SITE }], ['partner', { kind: 'partner' }], ['scopedPartner', { kind: 'partner', site: SITE }]] as const) {
    const res = await call('POST', '/api/admin/tokens', ADMIN, body)
    expect(res.status).toBe(201)
    issued[name] = ((await res.json()) as { token: string }).token
  }
})
afterAll(async () => {
  await server?.close(5000)
})

describe('every registered route', () => {
  it('finds the routes of every group, public and protected', () => {
    const registered = probes(app, SITE).map((p) => `${p.registered} ${p.route}`)
    for (const r of ['POST /api/event', 'GET /t.js', 'GET /healthz', 'POST /api/admin/migrate', 'GET /api/admin/tokens', 'POST /api/admin/forget', 'GET /metrics', 'GET /api/stats/:site/security', 'GET /api/stats/:site/breakdown/:dimension', 'GET /api/export/:site']) {
      expect(registered).toContain(r)
    }
    // Every entry of the public list is a registered route, so the list cannot hide a typo.
    for (const entry of PUBLIC) expect(registered.some((r) => r.endsWith(` ${entry.split(' ')[1]}`)), entry).toBe(true)
  })

  it('refuses every route outside the public list without a token or with a wrong one', async () => {
    expect(await unprotected(app, SITE)).toEqual([])
  })

  it('would notice a route added without a token check', async () => {
    const extended = createApp(server.services)
    extended.get('/api/new-report/:site', (c) => c.json({ site: c.req.param('site') }))
    extended.post('/api/admin2/do', (c) => c.json({ done: true }))
    expect(await unprotected(extended, SITE)).toEqual([
      expect.stringMatching(/^GET \/api\/new-report\/walk\.test .* 200 with no token$/),
      expect.stringMatching(/^GET \/api\/new-report\/walk\.test .* 200 with Bearer/),
      expect.stringMatching(/^GET \/api\/new-report\/walk\.test .* 200 with Basic/),
      expect.stringMatching(/^HEAD \/api\/new-report\/walk\.test .* 200 with no token$/),
      expect.stringMatching(/^HEAD \/api\/new-report\/walk\.test .* 200 with Bearer/),
      expect.stringMatching(/^HEAD \/api\/new-report\/walk\.test .* 200 with Basic/),
      expect.stringMatching(/^POST \/api\/admin2\/do .* 200 with no token$/),
      expect.stringMatching(/^POST \/api\/admin2\/do .* 200 with Bearer/),
      expect.stringMatching(/^POST \/api\/admin2\/do .* 200 with Basic/),
    ])
  })

  it('answers the public routes without a token', async () => {
    for (const p of probes(app, SITE).filter((x) => x.registered !== 'ALL' && isPublic(x.method === 'HEAD' ? 'GET' : x.method, x.route))) {
      const res = await app.request(p.path, { method: p.method, body: p.method === 'POST' ? '{}' : undefined })
      expect([401, 403], `${p.method} ${p.path}`).not.toContain(res.status)
      expect(res.status, `${p.method} ${p.path}`).toBeLessThan(500)
    }
    const preflight = await app.request('/api/event', { method: 'OPTIONS', headers: { origin: `https://${SITE}`, 'access-control-request-method': 'POST' } })
    expect(preflight.status).toBe(204)
  })

  it('keeps read and partner tokens out of everything but the stats API, and read tokens out of exports', async () => {
    const problems: string[] = []
    for (const p of probes(app, SITE)) {
      if (isPublic(p.method === 'HEAD' ? 'GET' : p.method, p.route) || p.path.startsWith('/api/stats/')) continue
      // Partner tokens are for the export API; the loop below checks that read tokens are not.
      const kinds = p.path.startsWith('/api/export/') ? ['read', 'scoped'] : ['read', 'scoped', 'partner', 'scopedPartner']
      for (const kind of kinds) {
        const res = await call(p.method, p.path, issued[kind], ['GET', 'HEAD'].includes(p.method) ? undefined : {})
        const allowed = p.registered === 'ALL' ? [401, 403, 404, 405] : [401, 403]
        if (!allowed.includes(res.status)) problems.push(`${p.method} ${p.path} answered ${res.status} to a ${kind} token`)
      }
    }
    expect(problems).toEqual([])
    // The admin endpoints themselves, spelled out.
    for (const [method, p] of [['GET', '/api/admin/tokens'], ['POST', '/api/admin/tokens'], ['GET', '/api/admin/sites'], ['POST', '/api/admin/forget'], ['POST', '/api/admin/migrate'], ['GET', '/metrics']]) {
      expect([401, 403], `${method} ${p}`).toContain((await call(method!, p!, issued.read, method === 'POST' ? { kind: 'read' } : undefined)).status)
    }
  })

  it('lets a read token use every stats route, and a site-scoped one only on its own site', async () => {
    // The parameters a route cannot answer without.
    const required: Record<string, string> = { '/api/stats/:site/funnel': '?steps=/,/pricing', '/api/stats/:site/journeys': '?page=/', '/api/stats/:site/page-frame': '?page=/&origin=http://127.0.0.1' }
    const stats = probes(app, SITE)
      .filter((p) => p.registered === 'GET' && p.method === 'GET' && p.route.startsWith('/api/stats/:site'))
      .map((p) => ({ ...p, path: `${p.path}${required[p.route] ?? ''}` }))
    expect(stats.length).toBeGreaterThanOrEqual(11)
    for (const p of stats) {
      expect((await call('GET', p.path, issued.read)).status, p.path).toBe(200)
      expect((await call('GET', p.path, issued.scoped)).status, p.path).toBe(200)
      const other = await call('GET', expand(p.route, OTHER), issued.scoped)
      expect(other.status, p.route).toBe(403)
      expect(((await other.json()) as { error: string }).error).toMatch(/may only read the site walk\.test/)
      expect((await call('GET', expand(p.route, OTHER), issued.partner)).status, p.route).toBe(403)
    }
  })

  it('lets a partner token download only the datasets of its own site it names, and keeps the ad-hoc export for the admin', async () => {
    const exports = probes(app, SITE).filter((p) => p.registered === 'GET' && p.method === 'GET' && p.route.startsWith('/api/export/'))
    expect(exports.map((p) => p.route).sort()).toEqual(['/api/export/:site', '/api/export/:site/:dataset'])
    // The probes name the dataset x1: define it, and a partner token for it.
    const defined = await call('POST', '/api/admin/exports/datasets', ADMIN, { site: SITE, name: 'x1', dimensions: ['country'] })
    expect(defined.status).toBe(201)
    const named = ((await (await call('POST', '/api/admin/tokens', ADMIN, { kind: 'partner', site: SITE, datasets: ['x1'] })).json()) as { token: string }).token
    const day = new Date(Date.now() - 3 * 86_400_000).toISOString().slice(0, 10)
    const span = `?from=${day}&to=${day}`
    const adHoc = exports.find((p) => p.route === '/api/export/:site')!
    const dataset = exports.find((p) => p.route === '/api/export/:site/:dataset')!
    expect((await call('GET', adHoc.path, ADMIN)).status).toBe(200)
    for (const kind of ['partner', 'scopedPartner', 'read', 'scoped']) expect((await call('GET', adHoc.path, issued[kind])).status, kind).toBe(403)
    expect((await call('GET', adHoc.path, named)).status).toBe(403)
    expect((await call('GET', `${dataset.path}${span}`, named)).status).toBe(200)
    expect((await call('GET', `${dataset.path}${span}`, ADMIN)).status).toBe(200)
    for (const kind of ['partner', 'scopedPartner', 'read', 'scoped']) expect((await call('GET', `${dataset.path}${span}`, issued[kind])).status, kind).toBe(403)
    const other = await call('GET', `${expand(dataset.route, OTHER)}${span}`, named)
    expect(other.status).toBe(403)
    expect(((await other.json()) as { error: string }).error).toBe(`this token may only download datasets of ${SITE}`)
  })

  it('keeps no token in plain text: not in any table and not in any file', async () => {
    const tables = (await (await server.services.db.query({
      query: `SELECT database, name FROM system.tables
              WHERE (database = 'tellen' AND engine NOT IN ('Null', 'MaterializedView', 'View')) OR (database = 'system' AND name LIKE '%\\_log')`,
      format: 'JSONEachRow',
    })).json<{ database: string; name: string }>())
    expect(tables.map((t) => t.name)).toContain('tokens')
    let dump = ''
    for (const t of tables) {
      const rs = await server.services.db.query({ query: `SELECT * FROM \`${t.database}\`.\`${t.name}\``, format: 'TabSeparated' })
      dump += await rs.text()
    }
    const { createHash } = await import('node:crypto')
    for (const token of Object.values(issued)) {
      expect(dump).not.toContain(token)
      expect(dump).toContain(createHash('sha256').update(token).digest('hex'))
    }
    const files = (fs.readdirSync(dataDir, { recursive: true }) as string[]).map((f) => path.join(dataDir, f)).filter((f) => fs.statSync(f).isFile())
    expect(files.length).toBeGreaterThan(10)
    for (const f of files) for (const token of Object.values(issued)) expect(fs.readFileSync(f).includes(token), f).toBe(false)
  })
})

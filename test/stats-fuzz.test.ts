import http from 'node:http'
import fc from 'fast-check'
import type { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../collector/src/app.ts'
import { loadConfig } from '../collector/src/config.ts'
import type { Env } from '../collector/src/context.ts'
import { createLogger } from '../collector/src/log.ts'
import { DIMENSIONS } from '../collector/src/stats/dimensions.ts'
import { startServer, type RunningServer } from '../collector/src/server.ts'
import { postEvents, startCollector, UA, type Collector } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const SITES = ['fuzz.test', 'tz.fuzz']
const ADMIN = 'stats-fuzz-admin-token-0123456789'
// Every `npm test` runs these counts; STATS_FUZZ_HTTP_RUNS and STATS_FUZZ_APP_RUNS set more for a deeper run.
const HTTP_RUNS = Number(process.env.STATS_FUZZ_HTTP_RUNS ?? 1_000)
const APP_RUNS = Number(process.env.STATS_FUZZ_APP_RUNS ?? 5_000)
const APP_SPOILED = Number(process.env.STATS_FUZZ_APP_SPOILED ?? 90)
const HTTP_SPOILED = Number(process.env.STATS_FUZZ_HTTP_SPOILED ?? 50)
const APP_CONCURRENCY = 8
const HTTP_CONCURRENCY = 16

// ---- generators -------------------------------------------------------------------------------

const today = new Date().toISOString().slice(0, 10)
const NASTY = [
  "'; DROP TABLE tellen.events; --", "1' OR '1'='1", "1 UNION SELECT * FROM tellen.tokens", '{site:String}', '{from:Date}', "\\'", '`', '$$',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', '&lt;b&gt;', '\u0000', '\uD800', '\uDFFF', '\u202e', '🙂', 'ü', '中文',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '../../etc/passwd', '%', '%00', '%E0%A4%A', '%%%',
  'null', 'undefined', 'NaN', 'Infinity', '-Infinity', 'true', '[]', '{}', '[object Object]', ' ', '\t\n', '',
]
const dates = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -800, max: 5 }).map((d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10)) },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '2026-02-30', '2026-13-01', '2026-00-10', '9999-99-99', '0000-00-00', '1970-01-01', '1900-01-01', '2299-12-31', '-001-01-01', '+275760-09-13',
      '2026-1-1', '20260101', '2026/01/01', '01-01-2026', 'yesterday', 'today', `${today}T00:00:00Z`, `${today} `, ` ${today}`, `${today}\u0000`,
    ),
  },
  { weight: 1, arbitrary: fc.date({ noInvalidDate: false }).map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString().slice(0, 10))) },
)
const numbers = fc.oneof(
  fc.integer({ min: -5, max: 1_200 }).map(String),
  fc.constantFrom('0', '-1', '-0', '1.5', '1e3', '1e400', '-1e400', '0x10', '0b11', '010', ' 5', '5 ', '+5', '9007199254740993', '18446744073709551616', 'NaN', 'Infinity', ''),
  fc.bigInt().map(String),
  fc.double().map(String),
)
const huge = fc.integer({ min: 1, max: 8 }).map((n) => 'x'.repeat(n * 1_000))
const text = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }) },
  { weight: 1, arbitrary: huge },
)
const KEYS = ['from', 'to', 'limit', 'offset', 'metric', 'interval', 'kind', 'elements', ...DIMENSIONS]
const key = fc.oneof(
  { weight: 10, arbitrary: fc.constantFrom(...KEYS) },
  { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', '__proto__[polluted]', 'constructor[prototype][polluted]', 'toString', 'hasOwnProperty', 'from[]', 'limit[0]', 'a.b', '') },
  { weight: 1, arbitrary: text },
)
const value = fc.oneof(
  { weight: 3, arbitrary: dates },
  { weight: 3, arbitrary: numbers },
  { weight: 2, arbitrary: fc.constantFrom('visitors', 'pageviews', 'bounce_rate', 'hour', 'day', 'week', 'month', 'download', 'NL', 'mobile', '/', '/pricing', 'Chrome') },
  { weight: 3, arbitrary: text },
)
const params = fc.oneof(
  // Repeated keys are kept: `?limit=1&limit=x`.
  { weight: 6, arbitrary: fc.array(fc.tuple(key, value), { maxLength: 6 }) },
  { weight: 1, arbitrary: fc.tuple(key, fc.array(value, { minLength: 2, maxLength: 5 })).map(([k, vs]) => vs.map((v) => [k, v] as [string, string])) },
)
const siteSegment = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...SITES) },
  { weight: 2, arbitrary: fc.constantFrom('FUZZ.TEST', 'Fuzz.Test', 'unknown.test', 'www.fuzz.test', 'fuzz.test.', '.fuzz.test', 'fuzz%2Etest') },
  { weight: 2, arbitrary: text },
)
const dimensionSegment = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...DIMENSIONS) }, { weight: 1, arbitrary: fc.constantFrom('PAGE', 'page ', 'pages') }, { weight: 2, arbitrary: text })

/** Byte-level mutations of a finished query string: stray escapes, separators, truncation. */
const mutation = fc.record({
  at: fc.nat(),
  insert: fc.constantFrom('%', '%2', '%G0', '%00', '%FF', '%C3%28', '&', '&&', '=', '==', '?', '#', '+', ';', '[', ']', '%5B%5D', '%26', '%3D'),
  cut: fc.boolean(),
})

interface Ask {
  path: string
}
/** Percent-encodes a string; a lone surrogate becomes its 3-byte WTF-8 form, which is not valid UTF-8. */
const enc = (s: string) =>
  s.replace(/[\s\S]/gu, (ch) => {
    if (ch.length === 2 || ch.charCodeAt(0) < 0xd800 || ch.charCodeAt(0) > 0xdfff) return encodeURIComponent(ch)
    const u = ch.charCodeAt(0)
    return [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('')
  })

/** A first parameter that no endpoint takes: the request must be refused before any query runs. */
const spoiler = fc.oneof(
  fc.tuple(fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'colour', 'from[]', 'limit[0]'), value),
  fc.tuple(fc.constantFrom('from', 'to'), fc.constantFrom('2026-02-30', '9999-99-99', 'yesterday', '', '1e400', "' OR 1=1 --")),
  fc.tuple(fc.constantFrom('limit', 'offset', 'elements'), fc.constantFrom('-1', '1e400', 'NaN', '0x10', '1.5', '99999999999999999999', '<b>')),
)

/**
 * Requests to the given stats routes; `spoiled` of every 100 start with a parameter that is always
 * refused, so that most of them exercise validation and the rest reach the engine (each of those
 * costs a few milliseconds of ClickHouse on this machine).
 */
function build(routes: string[], spoiled: number): fc.Arbitrary<Ask> {
  return fc
    .tuple(fc.constantFrom(...routes), siteSegment, dimensionSegment, params, fc.array(mutation, { maxLength: 2 }), fc.nat(9), fc.nat(99), spoiler)
    .map(([route, site, dimension, ps, ms, odds, spoil, bad]) => {
      if (spoil < spoiled) ps = [bad, ...ps]
      let query = ps.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&')
      // Two in ten keep the escapes as the generator made them, after a byte-level mutation.
      if (odds < 2) {
        for (const m of ms) {
          const at = query.length ? m.at % (query.length + 1) : 0
          query = m.cut ? query.slice(0, at) : query.slice(0, at) + m.insert + query.slice(at)
        }
      }
      const path = route.replace(':site', enc(site)).replace(':dimension', enc(dimension))
      return { path: query ? `${path}?${query}` : path }
    })
}

// ---- invariants ---------------------------------------------------------------------------------

/** What is wrong with an answer, or ''. */
function problem(status: number, body: string): string {
  if (status >= 500 || status < 200 || (status >= 300 && status < 400)) return `status ${status}`
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return `not JSON: ${body.slice(0, 100)}`
  }
  if (typeof json !== 'object' || json === null) return `not a JSON object: ${body.slice(0, 100)}`
  if (status >= 400 && (typeof (json as { error?: unknown }).error !== 'string' || !(json as { error: string }).error)) return `${status} without an error message`
  if (/\bat .*\.[cm]?[jt]s:\d+|node:internal|Code: \d+\. DB::Exception/.test(body)) return `internals in ${body.slice(0, 200)}`
  return ''
}

/** The stats routes with a site, as registered in the real app: a route added later is fuzzed too. */
const statsRoutes = (app: Hono<Env>) => [...new Set(app.routes.filter((r) => r.method === 'GET' && r.path.startsWith('/api/stats/:site')).map((r) => r.path))]

function tally(statuses: Map<number, number>, status: number) {
  statuses.set(status, (statuses.get(status) ?? 0) + 1)
}

const seedEvents = (site: string) => ({
  v: 1, site, tz: 'Europe/Amsterdam', lang: 'nl-NL', sw: 1280,
  events: [
    { type: 'pageview', url: `https://${site}/pricing?utm_source=news`, referrer: 'https://www.google.com/' },
    { type: 'timing', url: `https://${site}/pricing`, metric: 'lcp', value: 1800 },
    { type: 'click', url: `https://${site}/pricing`, el: 'button#buy', cx: 3, cy: 4 },
    { type: 'custom', url: `https://${site}/pricing`, name: 'signup', props: { plan: 'pro' } },
    { type: 'leave', url: `https://${site}/pricing`, exit: 'outbound', target: 'https://example.org/', engaged: 5000, scroll: 80 },
  ],
})

describe('fuzzing the stats parameters', () => {
  let server: RunningServer
  let app: Hono<Env>
  let c: Collector
  let routes: string[] = []
  const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort()

  beforeAll(async () => {
    const env = { TELLEN_SITES: SITES.join(','), TELLEN_ADMIN_TOKEN: ADMIN, TELLEN_RATE_LIMIT_PER_MINUTE: '0', TELLEN_SITE_RATE_LIMIT_PER_MINUTE: '0', TELLEN_FLUSH_INTERVAL_MS: '100' }
    // The real collector in a child process for HTTP, and the same server in this process for app.request().
    ;[c, server] = await Promise.all([
      startCollector(env),
      startServer(loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: migratedDataDir('tellen-stats-fuzz-'), LOG_LEVEL: 'silent' }), createLogger('silent')),
    ])
    app = createApp(server.services)
    routes = statsRoutes(app)
    for (const site of SITES) {
      expect((await postEvents(c.url, seedEvents(site), { 'user-agent': UA.chromeMac })).status).toBe(202)
      const res = await app.request('/api/event', { method: 'POST', headers: { 'content-type': 'text/plain', 'user-agent': UA.safariIphone }, body: JSON.stringify(seedEvents(site)) })
      expect(res.status).toBe(202)
    }
    await server.services.events.flush()
  })
  afterAll(async () => {
    await Promise.all([c?.stop('SIGKILL'), server?.close(5000)])
  })

  it('fuzzes every stats endpoint, including the security view', () => {
    expect(routes).toEqual(expect.arrayContaining(['/api/stats/:site/overview', '/api/stats/:site/breakdown/:dimension', '/api/stats/:site/security']))
    expect(routes.length).toBeGreaterThanOrEqual(11)
  })

  it(`answers ${APP_RUNS} generated and mutated parameter sets in process with JSON 2xx/4xx only`, async () => {
    const ask = build(routes, APP_SPOILED)
    const statuses = new Map<number, number>()
    const bad: string[] = []
    let sent = 0
    for (let chunk = 0; sent < APP_RUNS; chunk++) {
      const asks = fc.sample(ask, { numRuns: Math.min(2_000, APP_RUNS - sent), seed: 1_000 + chunk })
      let i = 0
      await Promise.all(
        Array.from({ length: APP_CONCURRENCY }, async () => {
          while (i < asks.length) {
            const a = asks[i++]!
            const res = await app.request(a.path, { headers: { authorization: `Bearer ${ADMIN}` } })
            const body = await res.text()
            tally(statuses, res.status)
            const p = problem(res.status, body)
            if (p) bad.push(`${p} for ${a.path.slice(0, 300)}`)
          }
        }),
      )
      sent += asks.length
    }
    console.log(`stats fuzz in process: ${sent} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
    expect(sent).toBe(APP_RUNS)
    expect(bad.slice(0, 5)).toEqual([])
    // Both kinds of answer were exercised: real queries and refusals.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(APP_RUNS / 100)
    expect(statuses.get(400) ?? 0).toBeGreaterThan(APP_RUNS / 4)
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys)
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect((await app.request('/healthz')).status).toBe(200)
  })

  it(`answers ${HTTP_RUNS} more over HTTP from the real collector, which keeps running`, async () => {
    const ask = build(routes, HTTP_SPOILED)
    const agent = new http.Agent({ keepAlive: true, maxSockets: HTTP_CONCURRENCY })
    const { port } = new URL(c.url)
    const get = (path: string): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${ADMIN}` } }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (d: string) => (body += d))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        })
        req.on('error', reject)
        req.end()
      })
    const asks = fc.sample(ask, { numRuns: HTTP_RUNS, seed: 99 })
    const statuses = new Map<number, number>()
    const bad: string[] = []
    let i = 0
    await Promise.all(
      Array.from({ length: HTTP_CONCURRENCY }, async () => {
        while (i < asks.length) {
          const a = asks[i++]!
          const res = await get(a.path)
          tally(statuses, res.status)
          const p = problem(res.status, res.body)
          if (p) bad.push(`${p} for ${a.path.slice(0, 300)}`)
        }
      }),
    )
    agent.destroy()
    console.log(`stats fuzz over HTTP: ${asks.length} requests, statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
    expect(asks.length).toBe(HTTP_RUNS)
    expect(bad.slice(0, 5)).toEqual([])
    expect(statuses.get(200) ?? 0).toBeGreaterThan(HTTP_RUNS / 20)
    expect(c.process.exitCode).toBeNull()
    expect(c.process.signalCode).toBeNull()
    expect((await fetch(`${c.url}/healthz`)).status).toBe(200)
    expect(c.output()).not.toMatch(/request failed|"level":50/)
  })
})

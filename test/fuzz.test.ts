import http from 'node:http'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseIp } from '../collector/src/ingest/ip.ts'
import { eventRowObject } from '../collector/src/ingest/event-row.ts'
import { processBatch, type PipelineDeps } from '../collector/src/ingest/pipeline.ts'
import { createSpamFilter } from '../collector/src/ingest/referrer-spam.ts'
import { belongsToSite } from '../collector/src/ingest/url.ts'
import { EVENT_TYPES, ERROR_KINDS, EXIT_KINDS, TIMING_METRICS } from '../collector/src/protocol.ts'
import { rows, startCollector, UA, withDataDir, type Collector } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const SITES = ['fuzz.test', 'shop.fuzz']
// Every `npm test` runs these counts; FUZZ_HTTP_RUNS and FUZZ_DIRECT_RUNS set more for a deeper run.
const HTTP_RUNS = Number(process.env.FUZZ_HTTP_RUNS ?? 3_000)
const DIRECT_RUNS = Number(process.env.FUZZ_DIRECT_RUNS ?? 15_000)
const CONCURRENCY = 48
const MAX_BODY = 64 * 1024

// ---- generators -------------------------------------------------------------------------------

const NASTY = [
  "'; DROP TABLE tellen.events; --", "1' OR '1'='1", "\\", "\\'", "{site:String}", "{{x}}", '${process.exit()}',
  '<script>alert(1)</script>', '<img src=x onerror=alert(1)>', '"><svg onload=alert(1)>', '\u0000', '\uD800', '\uDFFF', '%00', '%E0%A4%A',
  '../../etc/passwd', '__proto__', 'constructor', 'prototype', 'javascript:alert(1)', 'http://', 'https://', '//evil.example',
  '\r\nSet-Cookie: a=b', 'ü', '🙂', '\u202e', 'null', 'NaN', '-1', '1e400', '0x10', '\t\n ',
]
const loneSurrogates = fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 6 })
const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ maxLength: 30 }) },
  { weight: 4, arbitrary: fc.constantFrom(...NASTY) },
  { weight: 4, arbitrary: fc.constantFrom('pricing', 'blog', 'a b', 'x?y', '#top', '%2F') },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 1, arbitrary: loneSurrogates },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...NASTY), fc.string({ maxLength: 10 })).map(([a, b]) => a + b) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 20 }).map((n) => 'x'.repeat(n * 1000)) },
)
const host = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...SITES, 'www.fuzz.test', 'a.b.shop.fuzz', 'FUZZ.TEST') },
  { weight: 2, arbitrary: fc.constantFrom('evil.example', 'fuzz.test.evil.example', 'www.semalt.com', '127.0.0.1', '[::1]', 'xn--nxa.fuzz.test') },
  { weight: 1, arbitrary: text },
)
const segment = fc.oneof(fc.constantFrom('', 'pricing', 'blog/post-1', 'a b', '%2F', 'ü', '🙂'), fc.constantFrom(...NASTY), fc.string({ maxLength: 12 }))
const url = fc.oneof(
  { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...SITES, 'www.fuzz.test', 'a.b.shop.fuzz'), segment, fc.option(segment))
    .map(([h, seg, q]) => `https://${h}/${seg}${q === null ? '' : `?utm_source=${q}&email=${q}`}`) },
  { weight: 3, arbitrary: fc.tuple(fc.constantFrom('https://', 'https://', 'http://', 'HTTPS://', 'ftp://', 'javascript:', '//'), host, fc.array(text, { maxLength: 3 }), fc.option(text), fc.option(text))
    .map(([scheme, h, segs, q, frag]) => `${scheme}${h}/${segs.join('/')}${q === null ? '' : `?${q}&utm_source=${q}`}${frag === null ? '' : `#${frag}`}`) },
  { weight: 1, arbitrary: text },
)
const wrong = fc.oneof(
  { weight: 3, arbitrary: fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({})) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
)
const field = <T>(good: fc.Arbitrary<T>, odds = 5) => fc.oneof({ weight: odds, arbitrary: good }, { weight: 1, arbitrary: wrong })
const ts = fc.oneof(
  { weight: 5, arbitrary: fc.integer({ min: -3_600_000, max: 120_000 }).map((d) => Date.now() + d) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constant(-1), fc.constant(Number.MAX_SAFE_INTEGER)) },
)
/** The fields of each event type, each one sometimes of a wrong type. */
const FIELDS: Record<string, Record<string, fc.Arbitrary<unknown>>> = {
  pageview: { referrer: field(url) },
  leave: {
    exit: field(fc.constantFrom(...EXIT_KINDS)), target: field(url), engaged: field(fc.integer({ min: -10, max: 90_000_000 })),
    scroll: field(fc.integer({ min: -5, max: 105 })), grid: field(fc.array(fc.integer({ min: -1, max: 2_000_000 }), { minLength: 99, maxLength: 101 })),
  },
  timing: { metric: field(fc.constantFrom(...TIMING_METRICS)), value: field(fc.double()) },
  error: { kind: field(fc.constantFrom(...ERROR_KINDS)), resource: field(url) },
  download: { resource: field(url) },
  click: { el: field(text), cx: field(fc.integer({ min: -2, max: 12 })), cy: field(fc.integer({ min: -2, max: 12 })) },
  call: { number: field(fc.oneof(text, fc.constantFrom('+31 20 123 4567', '(555) 010-0199'))) },
  custom: { name: field(text), props: field(fc.dictionary(text, fc.oneof(text, fc.double(), fc.boolean(), wrong), { maxKeys: 35 })) },
}
const event = fc.oneof(
  ...EVENT_TYPES.map((type) =>
    fc.record(
      { type: field(fc.oneof({ weight: 8, arbitrary: fc.constant(type) }, { weight: 1, arbitrary: fc.constantFrom(...EVENT_TYPES) })), url: field(url), ts: field(ts), ...FIELDS[type] },
      { requiredKeys: ['type', 'url', ...Object.keys(FIELDS[type]!).filter((k) => !['referrer', 'target', 'engaged', 'scroll', 'grid', 'props'].includes(k))] as never },
    ),
  ),
  wrong,
)
const batch = fc.record(
  {
    v: field(fc.constant(1), 30),
    site: field(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...SITES, 'FUZZ.TEST') }, { weight: 1, arbitrary: text }), 30),
    sw: field(fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 4000 }) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 200_000 }) }), 30),
    sh: field(fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: 4000 }) }, { weight: 1, arbitrary: fc.integer({ min: -1, max: 200_000 }) }), 30),
    tz: field(fc.oneof(fc.constantFrom('Europe/Amsterdam', 'UTC'), text), 30), lang: field(fc.oneof(fc.constant('nl-NL'), text), 30),
    hash: field(fc.boolean(), 30),
    events: field(fc.array(event, { minLength: 0, maxLength: 6 }), 30),
  },
  { requiredKeys: ['v', 'site', 'events'] },
)

const POLLUTION = '"__proto__":{"polluted":"yes","site":"evil.example"},"constructor":{"prototype":{"polluted":"yes"}},'
/** Byte-level mutations of a serialised batch: invalid UTF-8, truncation, pollution keys, garbage. */
const mutation = fc.oneof(
  fc.record({ op: fc.constant('pollute' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('bytes' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('invalid-utf8' as const), at: fc.nat(), bytes: fc.constantFrom([0xc3], [0xff, 0xfe], [0xed, 0xa0, 0x80], [0xe0, 0x80], [0xf4, 0x90, 0x80, 0x80]) }),
)
function mutate(json: string, ms: { op: string; at: number; bytes?: ArrayLike<number> }[]): Buffer {
  let buf = Buffer.from(json, 'utf8')
  for (const m of ms) {
    const at = buf.length ? m.at % buf.length : 0
    if (m.op === 'pollute') {
      const opens = [...buf.toString('latin1').matchAll(/\{/g)].map((x) => x.index!)
      const where = opens.length ? opens[m.at % opens.length]! + 1 : 0
      buf = Buffer.concat([buf.subarray(0, where), Buffer.from(POLLUTION), buf.subarray(where)])
    } else if (m.op === 'truncate') buf = buf.subarray(0, at)
    else buf = Buffer.concat([buf.subarray(0, at), Buffer.from(Array.from(m.bytes!)), buf.subarray(at)])
  }
  return buf
}
const deep = fc.tuple(fc.integer({ min: 100, max: 30_000 }), fc.constantFrom('[', '{"a":')).map(([n, open]) => {
  const close = open === '[' ? ']' : '}'
  return Buffer.from(`{"v":1,"site":"fuzz.test","events":[{"type":"custom","url":"https://fuzz.test/","name":"x","props":${open.repeat(n)}1${close.repeat(n)}}]}`)
})

interface Payload {
  body: Buffer
  headers: Record<string, string | null>
}
const headers = fc.record({
  'content-type': fc.constantFrom('text/plain;charset=UTF-8', 'text/plain;charset=UTF-8', 'application/json', 'text/plain', 'application/x-www-form-urlencoded', 'TEXT/PLAIN; charset=latin1', ''),
  origin: fc.oneof(
    { weight: 4, arbitrary: fc.constant(null) },
    { weight: 2, arbitrary: fc.constantFrom('https://fuzz.test', 'https://www.fuzz.test') },
    { weight: 1, arbitrary: fc.constantFrom('https://www.shop.fuzz', 'https://evil.example', 'null', 'not a url', 'https://fuzz.test.evil.example') },
  ),
  referer: fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('https://fuzz.test/page', 'https://evil.example/', '%%%') }),
  dnt: fc.oneof({ weight: 12, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.constantFrom('1', '0') }),
  'user-agent': fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(UA.chromeMac, UA.safariIphone, UA.firefoxWindows) },
    { weight: 1, arbitrary: fc.constantFrom(UA.googlebot, '', '<script>', "' OR 1=1 --") },
  ),
})
const payload: fc.Arbitrary<Payload> = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(batch, headers).map(([b, h]) => ({ body: Buffer.from(JSON.stringify(b)), headers: h })) },
  { weight: 3, arbitrary: fc.tuple(batch, fc.array(mutation, { minLength: 1, maxLength: 3 }), headers).map(([b, ms, h]) => ({ body: mutate(JSON.stringify(b), ms), headers: h })) },
  { weight: 1, arbitrary: fc.tuple(deep, headers).map(([body, h]) => ({ body, headers: h })) },
  { weight: 1, arbitrary: fc.tuple(fc.jsonValue({ maxDepth: 4 }), headers).map(([v, h]) => ({ body: Buffer.from(JSON.stringify(v) ?? 'null'), headers: h })) },
)

// ---- invariants ---------------------------------------------------------------------------------

const STRING_COLUMNS = ['site', 'type', 'hostname', 'path', 'query', 'referrer_host', 'source', 'name', 'target']
/** What every stored or storable row must satisfy, whatever came in. Returns what is wrong, or ''. */
function rowProblem(row: Record<string, any>, now: number): string {
  if (Object.getPrototypeOf(row) !== Object.prototype && Object.getPrototypeOf(row) !== null) return 'row has a foreign prototype'
  if (!SITES.includes(row.site)) return `site ${row.site} is not registered`
  if (!EVENT_TYPES.includes(row.type)) return `type ${row.type}`
  if (typeof row.path !== 'string' || !row.path.startsWith('/')) return `path ${row.path} does not start with /`
  if (!belongsToSite(String(row.hostname), row.site)) return `hostname ${row.hostname} is not on ${row.site}`
  const t = Date.parse(String(row.ts).replace(' ', 'T') + (String(row.ts).endsWith('Z') ? '' : 'Z'))
  if (!(t >= now - 24 * 3_600_000 - 600_000 && t <= now + 600_000)) return `ts ${row.ts} is out of range`
  for (const k of STRING_COLUMNS) if (row[k] !== undefined && typeof row[k] !== 'string') return `${k} is not a string`
  if (row.ip_prefix) return `ip_prefix ${row.ip_prefix} is stored beside the visitor`
  if (Object.prototype.hasOwnProperty.call(row.props ?? {}, '__proto__')) return 'props has a __proto__ key'
  if (JSON.stringify(row).includes('polluted')) return 'a pollution payload reached the row'
  return ''
}

describe('fuzzing /api/event', () => {
  const dataDir = migratedDataDir('tellen-fuzz-')
  let c: Collector
  let started = 0
  let acceptedOverHttp = 0
  beforeAll(async () => {
    c = await startCollector(
      { TELLEN_SITES: SITES.join(','), TELLEN_RATE_LIMIT_PER_MINUTE: '0', TELLEN_SITE_RATE_LIMIT_PER_MINUTE: '0', LOG_LEVEL: 'info' },
      dataDir,
    )
    started = Date.now()
  })
  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  it(`answers ${HTTP_RUNS} generated and mutated payloads over HTTP with 2xx/4xx only, and never crashes`, async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY })
    const { port } = new URL(c.url)
    // An oversized body is answered 413 before it is read and its connection closed, so it gets a
    // connection of its own: a kept-alive socket must never carry a request after one.
    const oneShot = new http.Agent({ keepAlive: false })
    const post = (p: Payload): Promise<{ status: number; body: string }> =>
      new Promise((resolve, reject) => {
        const h: Record<string, string | number> = { 'content-length': p.body.length }
        for (const [k, v] of Object.entries(p.headers)) if (v !== null && v !== '') h[k] = v
        const oversized = p.body.length > MAX_BODY
        const req = http.request({ host: '127.0.0.1', port, path: '/api/event', method: 'POST', agent: oversized ? oneShot : agent, headers: h }, (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (d: string) => (body += d))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        })
        req.on('error', (err: NodeJS.ErrnoException) => {
          // The collector refuses an oversized body with 413 without reading it, so the client may see the socket close first.
          if (oversized) return resolve({ status: 413, body: '{"error":"closed while sending"}' })
          // A kept-alive socket that the server closed as idle (while the next payloads were being
          // generated on a busy machine) as this request went out: Node's documented case for a retry.
          if (req.reusedSocket && err.code === 'ECONNRESET') return post(p).then(resolve, reject)
          reject(err)
        })
        req.end(p.body)
      })
    const statuses = new Map<number, number>()
    const bad: string[] = []
    let sent = 0
    let accepted = 0
    for (let chunk = 0; sent < HTTP_RUNS; chunk++) {
      const payloads = fc.sample(payload, { numRuns: 600, seed: 7_000 + chunk })
      let i = 0
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (i < payloads.length) {
            const p = payloads[i++]!
            const res = await post(p)
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1)
            const json = (() => {
              try {
                return JSON.parse(res.body) as Record<string, unknown>
              } catch {
                return undefined
              }
            })()
            if (res.status === 202 && typeof json?.accepted === 'number') accepted += json.accepted
            if (res.status >= 500 || res.status < 200 || !json) bad.push(`${res.status} ${res.body.slice(0, 200)} for ${p.body.subarray(0, 200).toString()}`)
            else if (res.status >= 400 && typeof json.error !== 'string') bad.push(`${res.status} without an error message`)
            else if (/\bat .*\.[cm]?[jt]s:\d+|node:internal/.test(res.body)) bad.push(`stack trace in ${res.body.slice(0, 200)}`)
          }
        }),
      )
      sent += payloads.length
    }
    agent.destroy()
    oneShot.destroy()
    console.log(`fuzz over HTTP: ${sent} payloads, ${accepted} events accepted, statuses ${JSON.stringify(Object.fromEntries(statuses))}`)
    acceptedOverHttp = accepted
    expect(bad.slice(0, 5)).toEqual([])
    expect(c.process.exitCode).toBeNull()
    expect((await fetch(`${c.url}/healthz`)).status).toBe(200)
    expect([...statuses.keys()].some((s) => s === 202)).toBe(true)
    expect(await c.stop()).toBe(0)
  })

  it('stored nothing malformed: every row has a registered site, a path starting with /, its own host, a sane time and no pollution', async () => {
    const now = Date.now()
    const stored = await withDataDir(dataDir, async (db) => ({
      events: await rows<Record<string, any>>(db, 'SELECT * EXCEPT (visitor) FROM tellen.events'),
      rejections: await rows<{ site: string; reason: string }>(db, 'SELECT DISTINCT site, reason FROM tellen.rejections'),
    }))
    expect(stored.events.length).toBeGreaterThan(100)
    expect(stored.events.length).toBe(acceptedOverHttp)
    const problems = stored.events.map((r) => rowProblem(r, now)).filter(Boolean)
    expect(problems.slice(0, 5)).toEqual([])
    expect(now - started).toBeGreaterThan(0)
    for (const r of stored.rejections) {
      expect(['', ...SITES]).toContain(r.site)
      expect(['bot', 'invalid', 'unknown_site', 'bad_origin', 'spam', 'rate_limited', 'dnt', 'gpc']).toContain(r.reason)
    }
  })

  it(`keeps processBatch total on ${DIRECT_RUNS} more payloads: a result for each, and only well-formed rows`, () => {
    const spam = createSpamFilter()
    const deps: PipelineDeps = {
      site: (d) => (SITES.includes(d) ? { domain: d, timezone: 'UTC', queryAllowlist: new Set(['q']) } : undefined),
      saltFor: () => Buffer.alloc(16, 7),
      ipv4Prefix: 24, ipv6Prefix: 48, isSpamReferrer: spam,
    }
    const ips = [parseIp('145.14.1.1'), parseIp('2001:4860:4860::8888'), undefined]
    fc.assert(
      fc.property(payload, fc.nat(2), (p, ipIndex) => {
        let body: unknown
        try {
          body = JSON.parse(p.body.toString('utf8'))
        } catch {
          return true
        }
        const now = Date.now()
        const result = processBatch(body, { ip: ips[ipIndex], userAgent: p.headers['user-agent'] ?? '', origin: p.headers.origin ?? p.headers.referer ?? undefined, now }, deps)
        if (!result.ok) return (result.reason === 'bot' ? result.status === 202 : [400, 403].includes(result.status)) && typeof result.error === 'string' && result.error.length > 0
        for (const line of result.rows) {
          const problem = rowProblem(eventRowObject(line) as Record<string, any>, now)
          if (problem) throw new Error(`${problem}: ${line.slice(0, 300)}`)
        }
        return true
      }),
      { numRuns: DIRECT_RUNS, seed: 42 },
    )
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(Object.keys(Object.prototype)).toEqual([])
  })
})

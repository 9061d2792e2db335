import fs from 'node:fs'
import path from 'node:path'
import ipaddr from 'ipaddr.js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postEvents, rows, startCollector, UA, withDataDir, type Collector } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const SITE = 'example.com'

/** Client addresses sent through X-Forwarded-For, with the prefix that may be stored for each. */
const CLIENTS = [
  { ip: '145.14.1.77', prefix: '145.14.1.0/24', ua: UA.safariIphone },
  { ip: '203.0.113.201', prefix: '203.0.113.0/24', ua: UA.firefoxWindows },
  { ip: '2a02:a45a:1c2b:3d4e:5f60:7182:93a4:b5c6', prefix: '2a02:a45a:1c2b::/48', ua: UA.chromeMac },
  { ip: '2001:db8:abcd:12:3456:789a:bcde:f012', prefix: '2001:db8:abcd::/48', ua: UA.chromeAndroidTablet },
  // An IPv4-mapped IPv6 address is an IPv4 client.
  { ip: '::ffff:198.51.100.77', prefix: '198.51.100.0/24', ua: UA.chromeMac },
  // So is a 6to4 address: its first 48 bits are 2002 and the whole IPv4 address (91.198.138.47).
  { ip: '2002:5bc6:8a2f:7:8:9:a:b', prefix: '91.198.138.0/24', ua: UA.firefoxWindows },
]
/** What a client may put in front of X-Forwarded-For itself; the trusted proxy's entry wins. */
const SPOOFED = '192.0.2.123'
const OPTED_OUT = { ip: '198.18.7.99', prefix: '198.18.7.0/24' }
const BOT = { ip: '66.249.70.33', prefix: '66.249.70.0/24' }

/** The IPv4 address that a mapped or 6to4 IPv6 address carries. */
function carried(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | undefined {
  if (ip.kind() !== 'ipv6') return undefined
  const v6 = ip as ipaddr.IPv6
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address()
  if (v6.range() === '6to4') return ipaddr.fromByteArray(v6.toByteArray().slice(2, 6)) as ipaddr.IPv4
  return undefined
}

/**
 * Every form in which an address could be written: text, the integer, hex and network/host-order
 * bytes; for an IPv6 address that carries an IPv4 one, the forms of both.
 */
function forms(raw: string): { text: string[]; bytes: Buffer[] } {
  const parsed = ipaddr.parse(raw)
  const inner = carried(parsed)
  if (inner && parsed.kind() === 'ipv6' && !(parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    const outer = formsOf(parsed, raw)
    const v4 = formsOf(inner, inner.toString())
    return { text: [...outer.text, ...v4.text], bytes: [...outer.bytes, ...v4.bytes] }
  }
  return formsOf(inner ?? parsed, raw)
}

function formsOf(ip: ipaddr.IPv4 | ipaddr.IPv6, raw: string): { text: string[]; bytes: Buffer[] } {
  const bytes = Buffer.from(ip.toByteArray())
  const int = BigInt(`0x${bytes.toString('hex')}`)
  const hex = bytes.toString('hex')
  const text = new Set([raw, ip.toString(), int.toString(), hex, `0x${hex}`])
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6
    text.add(v6.toNormalizedString())
    text.add(hex.match(/.{4}/g)!.join(':'))
  } else {
    text.add(`::ffff:${ip.toString()}`)
  }
  for (const t of [...text]) text.add(t.toUpperCase())
  return { text: [...text], bytes: [bytes, Buffer.from(bytes).reverse()] }
}

const files = (dir: string): string[] =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name)
    return e.isDirectory() ? files(p) : e.isFile() ? [p] : []
  })

describe('no client address reaches disk, ClickHouse or the log', () => {
  const dataDir = migratedDataDir()
  let c: Collector
  let dump = ''
  let tables: string[] = []
  /** The dump of each table that holds visitor codes. */
  const withVisitor = new Map<string, string>()

  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: SITE, TRUST_PROXY: '1', LOG_LEVEL: 'debug' }, dataDir)
    const now = Date.now()
    const url = `https://${SITE}/pricing?utm_source=newsletter`
    const events = [
      { type: 'pageview', url, referrer: 'https://www.google.com/', ts: now },
      { type: 'timing', url, metric: 'lcp', value: 1234 },
      { type: 'error', url, kind: 'img', resource: `https://${SITE}/avatars/jan@example.nl/photo.png?sig=abc` },
      { type: 'download', url, resource: `https://${SITE}/files/invoice-100045873.pdf` },
      { type: 'click', url, el: 'button#buy', cx: 3, cy: 4 },
      { type: 'call', url, number: '+31 20 123 4567' },
      { type: 'custom', url, name: 'signup', props: { plan: 'pro' } },
      { type: 'leave', url, exit: 'internal', target: `https://${SITE}/reset/3f2b1c9e-8a7d-4c1e-9b2a-1d2e3f4a5b6c`, engaged: 5000, scroll: 80, grid: Array.from({ length: 100 }, (_, i) => i % 3) },
    ]
    for (const client of CLIENTS) {
      const res = await postEvents(c.url, { v: 1, site: SITE, sw: 1280, tz: 'Europe/Amsterdam', lang: 'nl-NL', events }, {
        'x-forwarded-for': `${SPOOFED}, ${client.ip}`, 'user-agent': client.ua,
      })
      expect(res.json).toEqual({ accepted: events.length })
      // Refused requests are counted with the prefix: they must not leak the address either.
      expect((await postEvents(c.url, '{"v":1', { 'x-forwarded-for': client.ip })).status).toBe(400)
      expect((await postEvents(c.url, { v: 1, site: 'unknown.org', events }, { 'x-forwarded-for': client.ip })).status).toBe(403)
    }
    expect((await postEvents(c.url, { v: 1, site: SITE, events }, { 'x-forwarded-for': OPTED_OUT.ip, 'sec-gpc': '1' })).json.honoured).toBe('gpc')
    expect((await postEvents(c.url, { v: 1, site: SITE, events }, { 'x-forwarded-for': BOT.ip, 'user-agent': UA.googlebot })).json.reason).toBe('bot')
    expect(await fetch(`${c.url}/no-such-page`, { headers: { 'x-forwarded-for': CLIENTS[0]!.ip } }).then((r) => r.status)).toBe(404)
    expect(await c.stop()).toBe(0)

    // Every column of every table in `tellen`, and of the system log tables if the engine keeps any.
    dump = await withDataDir(dataDir, async (db) => {
      const list = await rows<{ database: string; name: string }>(
        db,
        `SELECT database, name FROM system.tables
         WHERE (database = 'tellen' AND engine NOT IN ('Null', 'MaterializedView', 'View'))
            OR (database = 'system' AND name LIKE '%\\_log')`,
      )
      tables = list.map((t) => `${t.database}.${t.name}`)
      const parts: string[] = []
      for (const t of list) {
        const columns = await rows<{ name: string }>(db, 'SELECT name FROM system.columns WHERE database = {db:String} AND table = {table:String}', { db: t.database, table: t.name })
        const select = columns.map((col) => `toString(\`${col.name.replace(/`/g, '')}\`)`).join(', ')
        const rs = await db.query({ query: `SELECT ${select} FROM \`${t.database}\`.\`${t.name}\``, format: 'TabSeparated' })
        const text = await rs.text()
        parts.push(`${t.database}.${t.name}\n${text}`)
        if (columns.some((col) => /visitor/.test(col.name))) withVisitor.set(`${t.database}.${t.name}`, text)
      }
      return parts.join('\n')
    })
  })

  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  const addresses = [...CLIENTS.map((x) => x.ip), SPOOFED, OPTED_OUT.ip, BOT.ip]

  it('queried every table, and the events of every kind are there', () => {
    expect(tables).toEqual(expect.arrayContaining(['tellen.events', 'tellen.rejections', 'tellen.salts', 'tellen.rollup_honoured']))
    for (const type of ['pageview', 'timing', 'error', 'download', 'click', 'call', 'custom', 'leave']) expect(dump).toContain(`\t${type}\t`)
  })

  it.each(addresses)('finds %s in no column of any table', (ip) => {
    for (const text of forms(ip).text) expect(dump, text).not.toContain(text)
  })

  it.each(addresses)('finds %s in no file under DATA_DIR, in text or binary form', (ip) => {
    const { text, bytes } = forms(ip)
    const needles = [...text.map((t) => Buffer.from(t)), ...bytes]
    const all = files(dataDir)
    expect(all.length).toBeGreaterThan(20)
    for (const file of all) {
      const content = fs.readFileSync(file)
      for (const needle of needles) expect(content.includes(needle), `${needle.toString('hex')} in ${path.relative(dataDir, file)}`).toBe(false)
    }
  })

  it.each(addresses)('finds %s nowhere in the log', (ip) => {
    for (const text of forms(ip).text) expect(c.output(), text).not.toContain(text)
  })

  it('stores the truncated prefix only with counts of refused requests, and logs it', () => {
    for (const client of CLIENTS) {
      expect(dump).toContain(client.prefix)
      expect(c.output()).toContain(`"prefix":"${client.prefix}"`)
    }
    expect(dump).toContain(BOT.prefix)
    const raw = Buffer.concat(files(dataDir).map((f) => fs.readFileSync(f)))
    expect(raw.includes(Buffer.from(CLIENTS[0]!.prefix))).toBe(true)
  })

  it('stores no address prefix in any table that holds visitor codes', () => {
    // With the day's salt, a prefix beside a code would leave only the addresses in the prefix to try.
    expect([...withVisitor.keys()]).toEqual(expect.arrayContaining(['tellen.events', 'tellen.rollup_visits']))
    for (const [table, text] of withVisitor) {
      for (const client of [...CLIENTS, BOT]) expect(text, `${client.prefix} in ${table}`).not.toContain(client.prefix.split('/')[0]!.replace(/(\.0)+$|::$/, ''))
    }
  })

  it('scrubs resource URLs of errors and downloads and link targets as it scrubs pages', () => {
    expect(dump).toContain(`${SITE}/avatars/:email/photo.png`)
    expect(dump).toContain(`${SITE}/files/invoice-:number.pdf`)
    expect(dump).toContain(`${SITE}/reset/:id`)
    for (const secret of ['jan@example.nl', '100045873', '3f2b1c9e', 'sig=abc']) expect(dump).not.toContain(secret)
  })

  it('keeps nothing, not even the prefix, of a visitor who opted out', () => {
    expect(dump).not.toContain(OPTED_OUT.prefix)
    expect(c.output()).not.toContain(OPTED_OUT.prefix)
  })

  it('logs only prefixes as the client of a request', () => {
    const prefixes = c.output().split('\n').filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l).prefix as string | undefined)
    expect(prefixes.length).toBeGreaterThan(CLIENTS.length * 3)
    for (const p of prefixes) if (p !== undefined) expect(p).toMatch(/\/(24|48)$/)
  })
})

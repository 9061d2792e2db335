import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PHONE_NUMBERS } from '../collector/src/ingest/scrub-corpus.ts'
import { postEvents, rows, startCollector, UA, withDataDir, type Collector } from './helpers/collector.ts'

const SITE = 'planted.test'
const RUNS = 60

interface Planted {
  email: string
  phone: string
  key: string
}

const word = fc.stringMatching(/^[a-z]{3,9}$/)
/** An e-mail address as people have them: names, a number perhaps, a plus tag perhaps. */
const email = fc
  .tuple(word, word, fc.constantFrom('', '.', '_', '-'), fc.constantFrom('', '7', '1984', '+news'), word, fc.constantFrom('nl', 'com', 'de', 'co.uk', 'org'))
  .map(([first, last, sep, tail, domain, tld]) => `${first}${sep}${last}${tail}@${domain}.${tld}`)
/** A phone number in one of the corpus's national notations, with other digits. */
const phone = fc
  .tuple(fc.constantFrom(...PHONE_NUMBERS), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 20, maxLength: 20 }))
  .map(([format, digits]) => {
    let i = 0
    // The first digit after a country code or trunk zero stays, so the shape stays real.
    return format.replace(/\d/g, (d) => (i++ < 2 ? d : String(digits[i]!)))
  })
/** Random bytes as base64url, as session ids and API keys are made; the token rule needs two digits in it. */
const base64url = (bytes: number) =>
  fc.uint8Array({ minLength: bytes, maxLength: bytes }).map((b) => Buffer.from(b).toString('base64url')).filter((k) => (k.match(/\d/g) ?? []).length >= 2)
/** A secret key or token: hex, base64url, or a prefixed API key. */
const key = fc.oneof(
  fc.uint8Array({ minLength: 16, maxLength: 32 }).map((b) => Buffer.from(b).toString('hex')),
  base64url(18),
  base64url(32),
  base64url(18).map((k) => `sk_live_${k}`),
)
const planted = fc.record({ email, phone, key })

/** One batch with the planted data in every field a page controls. */
function batchWith(p: Planted) {
  const page = `https://${SITE}/u/${encodeURIComponent(p.email)}/${encodeURIComponent(p.phone)}/${p.key}?utm_campaign=${encodeURIComponent(p.phone)}&utm_source=${encodeURIComponent(encodeURIComponent(p.email))}&utm_term=${p.key}&email=${encodeURIComponent(p.email)}#/route&token=${p.key}`
  return {
    v: 1, site: SITE, hash: true, tz: p.email, lang: p.phone, sw: 1280,
    events: [
      { type: 'pageview', url: page, referrer: `https://${p.phone.replace(/\D/g, '')}.blogspot.com/${encodeURIComponent(p.email)}` },
      { type: 'click', url: page, el: `a#${p.email} ${p.phone} ${p.key}`, cx: 1, cy: 2 },
      { type: 'custom', url: page, name: `signup ${p.email} ${p.phone}`, props: { plan: `${p.key} ${p.email}`, phone: p.phone } },
      { type: 'custom', url: page, name: 'keyed', props: { [p.email]: 'x', [`k_${p.key}`]: 'y' } },
      { type: 'leave', url: page, exit: 'outbound', target: `https://other.example/${encodeURIComponent(p.email)}/${p.key}`, engaged: 1000 },
      { type: 'download', url: page, resource: `https://${SITE}/files/${encodeURIComponent(p.phone)}/${p.key}.pdf` },
      { type: 'error', url: page, kind: 'img', resource: `https://${SITE}/img/${encodeURIComponent(p.email)}.png` },
    ],
  }
}

describe('planted personal data sent over HTTP', () => {
  let c: Collector
  const sent: Planted[] = []
  beforeAll(async () => {
    c = await startCollector({ TELLEN_SITES: SITE, TELLEN_VISITS_INTERVAL_MS: '500', TELLEN_RATE_LIMIT_PER_MINUTE: '0' })
    await fc.assert(
      fc.asyncProperty(planted, async (p) => {
        const res = await postEvents(c.url, batchWith(p), { 'user-agent': UA.chromeMac })
        expect(res.status).toBe(202)
        sent.push(p)
      }),
      { numRuns: RUNS, seed: 18 },
    )
    // Let the visits job cut the visits, so that its tables hold what they would.
    const day = new Date().toISOString().slice(0, 10)
    const entryPages = () =>
      fetch(`${c.url}/api/stats/${SITE}/breakdown/entry_page?from=${day}&to=${day}`, { headers: { authorization: `Bearer ${c.adminToken}` } }).then((r) => r.text())
    const end = Date.now() + 60_000
    while (!(await entryPages()).includes('/u/') && Date.now() < end) await new Promise((r) => setTimeout(r, 250))
    expect(await c.stop()).toBe(0)
  })
  afterAll(() => c?.stop())

  it('leaves no planted e-mail address, phone number or key in any string of any table', async () => {
    const strings = await withDataDir(c.dataDir, async (db) => {
      const tables = new Set(
        (await rows<{ name: string }>(db, `SELECT name FROM system.tables WHERE database = 'tellen' AND engine NOT IN ('MaterializedView', 'View', 'Null') AND name != 'migrations'`)).map((t) => t.name),
      )
      const columns = (await rows<{ table: string; name: string }>(db, `SELECT table, name FROM system.columns WHERE database = 'tellen' AND type LIKE '%String%'`)).filter((col) => tables.has(col.table))
      const out: { where: string; value: string }[] = []
      for (const { table, name } of columns) {
        for (const r of await rows<{ v: string }>(db, `SELECT DISTINCT toString(\`${name}\`) AS v FROM tellen.\`${table}\``)) out.push({ where: `${table}.${name}`, value: r.v })
      }
      return out
    })
    const where = new Set(strings.map((s) => s.where))
    expect(where).toContain('events.path')
    expect(where).toContain('rollup_visits.entry_page')
    expect(sent).toHaveLength(RUNS)
    const leaks: string[] = []
    for (const { where, value } of strings) {
      const lower = value.toLowerCase()
      const digits = value.replace(/\D/g, '')
      for (const p of sent) {
        if (lower.includes(p.email.toLowerCase()) || lower.includes(p.email.split('@')[0]!.toLowerCase() + '@')) leaks.push(`${where}: e-mail in ${value}`)
        if (digits.includes(p.phone.replace(/\D/g, '').slice(-8))) leaks.push(`${where}: phone in ${value}`)
        if (value.includes(p.key)) leaks.push(`${where}: key in ${value}`)
      }
    }
    expect(leaks.slice(0, 20)).toEqual([])
  })
})

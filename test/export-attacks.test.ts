import type { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../collector/src/app.ts'
import { loadConfig } from '../collector/src/config.ts'
import type { Env } from '../collector/src/context.ts'
import { laplaceVariance } from '../collector/src/export/discrete-laplace.ts'
import { noiseScales } from '../collector/src/export/mechanism.ts'
import { periodStart } from '../collector/src/export/periods.ts'
import { createLogger } from '../collector/src/log.ts'
import { startServer, type RunningServer } from '../collector/src/server.ts'
import { addDays } from '../collector/src/stats/range.ts'
import { tempDataDir } from './helpers/collector.ts'
import { seedVisits, type SeedVisit } from './helpers/export-visits.ts'

const SITE = 'attacks.test'
const ADMIN = 'export-attacks-admin-token-0123456789'
const K = 10
const TODAY = new Date().toISOString().slice(0, 10)
/** Two whole ISO weeks that closed well before today. */
const FIRST = periodStart(addDays(TODAY, -16), 'week')
const DAYS = Array.from({ length: 14 }, (_, i) => addDays(FIRST, i))
const LAST = DAYS[DAYS.length - 1]!

/** The small group: visitors from LU, the only ones on a tablet, 1 to 3 of them a day. */
const SMALL = [2, 1, 3, 1, 2, 3, 1, 2, 3, 1, 1, 2, 3, 2]
/** Every other group is large. */
const LARGE = [
  { country: 'NL', device: 'desktop', visitors: 150 },
  { country: 'NL', device: 'mobile', visitors: 60 },
  { country: 'DE', device: 'desktop', visitors: 80 },
  { country: 'DE', device: 'mobile', visitors: 40 },
  { country: 'BE', device: 'desktop', visitors: 30 },
]

/** The datasets the owner defines, all readable by the attacking partner: empty and full dimension sets among them. */
const DATASETS = [
  { name: 'total', dimensions: [], period: 'day' },
  { name: 'by-country', dimensions: ['country'], period: 'day' },
  { name: 'by-device', dimensions: ['device'], period: 'day' },
  { name: 'by-country-device', dimensions: ['country', 'device'], period: 'day' },
  { name: 'weekly-country', dimensions: ['country'], period: 'week' },
] as const
const EPSILON = 1

type Row = Record<string, string | number>
let server: RunningServer
let app: Hono<Env>
let partner = ''

const get = (path: string, token = partner) => app.request(path, { headers: { authorization: `Bearer ${token}` } })
const admin = (method: string, path: string, body?: unknown) =>
  app.request(path, { method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) })
const ndjson = (text: string) => text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row)

/** What an attacker gets for a dataset and a span: its rows, by period. */
async function download(dataset: string, from: string, to: string): Promise<Row[]> {
  const res = await get(`/api/export/${SITE}/${dataset}?${new URLSearchParams({ from, to, format: 'ndjson' })}`)
  expect(res.status, await res.clone().text()).toBe(200)
  return ndjson(await res.text())
}
const sum = (rows: Row[], pick: (r: Row) => boolean) => rows.filter(pick).reduce((n, r) => n + Number(r.visitors), 0)
const onDay = (day: string) => (r: Row) => r.period === day
const isSmall = (r: Row) => r.country === 'LU' || r.device === 'tablet'

/** The variance of the noise on one released visitor count of a daily dataset. */
const DAILY_VARIANCE = laplaceVariance(noiseScales({ period: 'day', metrics: ['visitors', 'pageviews'], epsilonMilli: EPSILON * 1000 }).visitors)

/** Mean squared error of estimates of the small group, one per day. */
const meanSquaredError = (estimates: number[]) => estimates.reduce((a, e, i) => a + (e - SMALL[i]!) ** 2, 0) / estimates.length
const exactHits = (estimates: number[]) => estimates.filter((e, i) => e === SMALL[i]).length

beforeAll(async () => {
  const config = loadConfig({
    PORT: '0', HOST: '127.0.0.1', DATA_DIR: tempDataDir('tellen-export-attacks-'), TELLEN_SITES: SITE, TELLEN_ADMIN_TOKEN: ADMIN,
    TELLEN_EXPORT_MIN_VISITORS: String(K), TELLEN_EXPORT_EPSILON_BUDGET: String(DATASETS.length * EPSILON), TELLEN_VISITS_INTERVAL_MS: '3600000', LOG_LEVEL: 'silent',
  })
  server = await startServer(config, createLogger('silent'))
  app = createApp(server.services)
  const visits: SeedVisit[] = []
  DAYS.forEach((day, i) => {
    for (const g of LARGE) for (let n = 0; n < g.visitors; n++) visits.push({ day, country: g.country, device: g.device, pageviews: 1 + (n % 4) })
    for (let n = 0; n < SMALL[i]!; n++) visits.push({ day, country: 'LU', device: 'tablet', pageviews: 2 })
  })
  await seedVisits(server.services.db, SITE, visits)
  for (const d of DATASETS) expect((await admin('POST', '/api/admin/exports/datasets', { site: SITE, ...d, epsilon: EPSILON })).status).toBe(201)
  const created = await admin('POST', '/api/admin/tokens', { kind: 'partner', site: SITE, datasets: DATASETS.map((d) => d.name) })
  partner = ((await created.json()) as { token: string }).token
})
afterAll(async () => {
  await server?.close(5000)
})

describe('a partner attacking the small group with any number of downloads', () => {
  it('gets the hidden count exactly from the owner\'s exact export, so the attack itself works', async () => {
    const exact = async (dimensions: string) => {
      const res = await admin('GET', `/api/export/${SITE}?${new URLSearchParams({ from: FIRST, to: LAST, dimensions, metrics: 'visitors,visits', format: 'ndjson' })}`)
      expect(res.status).toBe(200)
      return ndjson(await res.text())
    }
    const totals = await exact('day')
    const countries = await exact('day,country')
    expect(countries.some((r) => r.country === 'LU')).toBe(false)
    // Every visitor makes one visit, so visits, summed exactly, count them.
    const visits = (rows: Row[], day: string) => rows.filter((r) => r.day === day).reduce((n, r) => n + Number(r.visits), 0)
    const recovered = DAYS.map((day) => visits(totals, day) - visits(countries, day))
    expect(recovered).toEqual(SMALL)
  })

  it('never receives a row of the small group below k, in any dataset, however the span is cut', async () => {
    const spans = [[FIRST, LAST], [DAYS[3]!, DAYS[5]!], [DAYS[4]!, DAYS[4]!], [DAYS[0]!, DAYS[6]!]] as const
    for (const d of DATASETS.filter((x) => x.period === 'day')) {
      for (const [from, to] of spans) {
        for (const r of (await download(d.name, from, to)).filter(isSmall)) {
          // A row of the small group shows only when its noisy count reached k: never its true 1 to 3.
          expect(Number(r.visitors)).toBeGreaterThanOrEqual(K)
        }
      }
    }
  })

  it('learns no more than the noise allows by differencing datasets with empty, partial and full dimension sets', async () => {
    const total = await download('total', FIRST, LAST)
    const byCountry = await download('by-country', FIRST, LAST)
    const byDevice = await download('by-device', FIRST, LAST)
    const full = await download('by-country-device', FIRST, LAST)
    const attacks = {
      totalMinusCountries: DAYS.map((day) => sum(total, onDay(day)) - sum(byCountry, (r) => onDay(day)(r) && !isSmall(r))),
      totalMinusDevices: DAYS.map((day) => sum(total, onDay(day)) - sum(byDevice, (r) => onDay(day)(r) && !isSmall(r))),
      totalMinusFullCells: DAYS.map((day) => sum(total, onDay(day)) - sum(full, (r) => onDay(day)(r) && !isSmall(r))),
      devicesMinusCountries: DAYS.map((day) => sum(byDevice, onDay(day)) - sum(byCountry, (r) => onDay(day)(r) && !isSmall(r))),
    }
    // The best an attacker can do with these is to average them all.
    const averaged = DAYS.map((_, i) => Math.round(Object.values(attacks).reduce((a, e) => a + e[i]!, 0) / Object.keys(attacks).length))
    for (const [name, estimates] of Object.entries({ ...attacks, averaged })) {
      // Each estimate carries the noise of at least one released count (the averaged one at least a
      // share of it): its error is of the noise's size, and it hits the true count only by chance.
      const floor = name === 'averaged' ? DAILY_VARIANCE / 8 : DAILY_VARIANCE / 3
      expect(meanSquaredError(estimates), name).toBeGreaterThan(floor)
      expect(exactHits(estimates), name).toBeLessThan(DAYS.length / 2)
    }
  })

  it('gets the same figures for a period from every span that holds it, so overlapping and nested spans give nothing new', async () => {
    const whole = await download('by-country', FIRST, LAST)
    const key = (r: Row) => `${r.period}|${r.country}`
    const figures = new Map(whole.map((r) => [key(r), JSON.stringify(r)]))
    for (const [from, to] of [[DAYS[2]!, DAYS[9]!], [DAYS[5]!, DAYS[5]!], [DAYS[0]!, DAYS[1]!], [DAYS[7]!, LAST]] as const) {
      for (const r of await download('by-country', from, to)) expect(JSON.stringify(r)).toBe(figures.get(key(r)))
    }
    // A two-day span is the two days' rows side by side, never a sum that a single day could be subtracted from.
    const twoDays = await download('by-country', DAYS[3]!, DAYS[4]!)
    expect(twoDays).toEqual(whole.filter((r) => r.period === DAYS[3] || r.period === DAYS[4]))
  })

  it('gains nothing from repeated downloads: every download of a release is byte-identical, so averaging cancels no noise', async () => {
    const bodies = new Set<string>()
    for (let i = 0; i < 5; i++) {
      for (const format of ['ndjson', 'csv', 'parquet']) {
        const res = await get(`/api/export/${SITE}/by-country-device?from=${DAYS[6]}&to=${DAYS[8]}&format=${format}`)
        expect(res.status).toBe(200)
        bodies.add(`${format}:${Buffer.from(await res.arrayBuffer()).toString('base64')}`)
      }
    }
    expect(bodies.size).toBe(3)
  })

  it('cannot narrow the weekly dataset onto a day, nor ask a dataset for dimensions, metrics or a threshold it was not defined with', async () => {
    const before = (await (await admin('GET', '/api/admin/exports')).json()) as { downloads: unknown[] }
    const refused: [string, number, RegExp][] = [
      [`weekly-country?from=${DAYS[2]}&to=${DAYS[2]}`, 400, /not the first day of a week/],
      [`weekly-country?from=${FIRST}&to=${DAYS[9]}`, 400, /not the last day of a week/],
      [`by-country?from=${FIRST}&to=${LAST}&dimensions=country,device`, 400, /unknown parameter "dimensions"/],
      [`by-country?from=${FIRST}&to=${LAST}&k=1`, 400, /unknown parameter "k"/],
      [`by-country?from=${FIRST}&to=${LAST}&metrics=visits`, 400, /unknown parameter "metrics"/],
      [`by-country?from=${FIRST}&to=${LAST}&country=LU`, 400, /unknown parameter "country"/],
      [`by-country?from=${TODAY}&to=${TODAY}`, 400, new RegExp(`the day starting ${TODAY} is not closed`)],
      [`by-country?from=${LAST}&to=${FIRST}`, 400, /is after to/],
      [`by-country?from=${FIRST}`, 400, /to is required/],
      [`by-country?from=${FIRST}&to=${LAST}&format=xlsx`, 400, /format must be one of csv, ndjson, parquet/],
      [`by-browser?from=${FIRST}&to=${LAST}`, 403, /may not download the dataset "by-browser"/],
    ]
    for (const [path, status, message] of refused) {
      const res = await get(`/api/export/${SITE}/${path}`)
      expect(res.status, path).toBe(status)
      expect(((await res.json()) as { error: string }).error, path).toMatch(message)
    }
    const after = (await (await admin('GET', '/api/admin/exports')).json()) as { downloads: unknown[] }
    expect(after.downloads.length).toBe(before.downloads.length)
  })

  it('keeps the small group in the weekly dataset only as a week\'s noisy count, which no daily row can be subtracted from', async () => {
    const weekly = await download('weekly-country', FIRST, LAST)
    expect(weekly.map((r) => r.period)).toEqual(expect.arrayContaining([FIRST, addDays(FIRST, 7)]))
    expect(new Set(weekly.map((r) => r.period))).toEqual(new Set([FIRST, addDays(FIRST, 7)]))
    const daily = await download('by-country', FIRST, LAST)
    for (const week of [0, 1]) {
      const lu = weekly.find((r) => r.period === addDays(FIRST, 7 * week) && r.country === 'LU')
      const luDays = daily.filter((r) => r.country === 'LU' && DAYS.indexOf(String(r.period)) >= 7 * week && DAYS.indexOf(String(r.period)) < 7 * (week + 1))
      // Hidden days leave the week row minus the shown days with the noise of the week row on top.
      if (lu) expect(Number(lu.visitors)).toBeGreaterThanOrEqual(K)
      for (const r of luDays) expect(Number(r.visitors)).toBeGreaterThanOrEqual(K)
    }
  })
})

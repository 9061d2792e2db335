import path from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ttlDays, ttlOf } from '../collector/src/privacy/retention.ts'
import { addDays, rangeDays } from '../collector/src/stats/range.ts'
import { inTurns, postEvents, ROOT, rows, startCollector, withDataDir, type Collector } from './helpers/collector.ts'
import { crossesMidnight, cutVisits, daysOf, eastZoneWithMidnight, expectations, generateTraffic, lateRequests, localDay, overviewMetrics, pointsOf, rounded, rowsOf, type Filters, type Request, trafficRange, untilVisitsCut } from './helpers/traffic-model.ts'

/**
 * Seeded traffic goes over HTTP into a real collector; every answer of the stats API for many
 * filters, ranges and intervals must equal what the test computes from the traffic it sent.
 * `TELLEN_DIFF_SEED` replays another seed.
 */
const SEED = Number(process.env.TELLEN_DIFF_SEED ?? 20261126)
const SITES = [
  { domain: 'utc.diff.test', tz: 'UTC' },
  // East of UTC, with its midnight inside the traffic's 23 hours whenever the test runs.
  { domain: 'east.diff.test', tz: eastZoneWithMidnight(Date.now()) },
]
/** A site where late requests may also move a visit's start: only answers read with FINAL are exact there. */
const MOVING = { domain: 'la.diff.test', tz: 'America/Los_Angeles' }
/** Clients per site: enough for over 100 page views a site at any minute of the day (test/traffic-model.test.ts). */
const PEOPLE = 24
/** Questions asked at once: the collector answers one while the test works out what another should be. */
const QUESTIONS_AT_ONCE = 4

/** The filters of most questions, and the few that the rest are asked under. */
const SOME_FILTERS: Filters[] = [{}, { page: '/pricing' }, { source: 'Google' }, { country: 'NL' }, { event: 'signup' }, { page: '/docs', source: 'Google' }]
const FILTERS: Filters[] = [
  ...SOME_FILTERS,
  { page: '/docs/install' },
  { source: 'Direct' },
  { source: 'newsletter' },
  { referrer: 'news.ycombinator.com' },
  { utm_campaign: 'autumn' },
  { browser: 'Firefox' },
  { entry_page: '/' },
  { exit_page: '/pricing' },
  { country: 'US', source: 'Direct' },
  { page: '/', country: 'FR' },
  { event: 'signup', country: 'NL' },
  { source: 'Google', browser: 'Chrome' },
  { page: '/pricing', event: 'newsletter' },
  { entry_page: '/docs', country: 'US' },
  { exit_page: '/', source: 'Direct' },
  { device: 'mobile' },
  { language: 'fr-FR' },
  { utm_medium: 'email' },
  { screen: 'laptop', source: 'Google' },
  { os: 'iOS', page: '/docs' },
  { timezone: 'America/New_York', event: 'newsletter' },
]
/** Breakdowns asked under every filter, and those asked under the few (`SOME_FILTERS`), to keep the file fast. */
const BREAKDOWNS = ['page', 'entry_page', 'exit_page', 'source', 'country', 'browser', 'event'] as const
const MORE_BREAKDOWNS = ['referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'os', 'device', 'screen', 'timezone', 'language'] as const
const SERIES = ['visitors', 'pageviews', 'visits', 'bounce_rate', 'visit_duration'] as const

let c: Collector
/** Every request sent, in the order sent. */
const requests: Request[] = []
/** When each request was sent. */
const received: number[] = []
let generatedAt = 0

const get = async (site: string, path: string, params: Record<string, string | undefined>) => {
  const query = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => e[1] !== undefined))
  const res = await fetch(`${c.url}/api/stats/${site}/${path}?${query}`, { headers: { authorization: `Bearer ${c.adminToken}` } })
  const json = (await res.json()) as any
  if (res.status !== 200) throw new Error(`${path}?${query}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

const COLLECTOR_ENV = { TRUST_PROXY: '1', TELLEN_VISITS_INTERVAL_MS: '250', TELLEN_RATE_LIMIT_PER_MINUTE: '0', TELLEN_EXPORT_MIN_VISITORS: '2' }

beforeAll(async () => {
  c = await startCollector(COLLECTOR_ENV)
  for (const site of [...SITES, MOVING]) {
    const res = await fetch(`${c.url}/api/admin/sites`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ domain: site.domain, timezone: site.tz }),
    })
    expect(res.status).toBe(200)
  }
  generatedAt = Date.now()
  // Sent in the order of their page views, as they would come in, but for some that come once the
  // visits job has cut the others.
  const all = generateTraffic([...SITES, MOVING], PEOPLE, generatedAt, SEED).sort((a, b) => (a.events[0]!.ts as number) - (b.events[0]!.ts as number))
  const late = lateRequests(all, 0.1, SEED, (s) => s === MOVING.domain)
  await send(all.filter((r) => !late.has(r)))
  await send([...late])
}, 120_000)

/** Posts requests, then waits until each site's overview is what the traffic sent so far gives (`untilVisitsCut`, at most 60 s). */
async function send(batch: readonly Request[]): Promise<void> {
  for (const r of batch) {
    requests.push(r)
    received.push(Date.now())
    const res = await postEvents(
      c.url,
      { v: 1, site: r.person.site, sw: r.person.sw, tz: r.person.timezone, lang: r.person.language, events: r.events },
      { 'x-forwarded-for': r.person.ip, 'user-agent': r.person.ua, ...r.headers },
    )
    if (res.status !== 202 || res.json.accepted !== (r.dropped ? 0 : r.events.length)) throw new Error(`refused: ${JSON.stringify(res.json)} for ${JSON.stringify(r)}`)
  }
  await untilVisitsCut([...SITES, MOVING], rowsOf(requests, received), async (site) => (await get(site.domain, 'overview', rangeOf(site.tz))).current, Date.now() + 60_000)
}
afterAll(async () => {
  await c?.stop()
})

const rangeOf = (tz: string) => trafficRange(generatedAt, tz)
const days = daysOf

describe.each(SITES)('the stats API of $domain ($tz) against the traffic sent', (site) => {
  const model = () => modelOf(site)

  it('sends traffic that covers what the comparison is about', () => {
    const rows = rowsOf(requests, received).filter((r) => r.site === site.domain)
    const visits = cutVisits(rowsOf(requests, received)).filter((v) => v.site === site.domain)
    const { from, to } = rangeOf(site.tz)
    // Two days, but for UTC in the hour before its midnight (the traffic's window is 23 hours).
    expect(days(from, to).length).toBe(crossesMidnight(generatedAt, site.tz) ? 2 : 1)
    // Visits across an hour boundary and across the site's local midnight.
    expect(visits.some((v) => Math.floor(v.start / 3_600_000) !== Math.floor(v.end / 3_600_000))).toBe(true)
    expect(visits.some((v) => localDay(site.tz, v.start) !== localDay(site.tz, v.end))).toBe(site.tz !== 'UTC')
    expect(rows.filter((r) => r.type === 'pageview').length).toBeGreaterThan(100)
  })

  it('counts the overview of every filter over the range and each of its days as the traffic does', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of FILTERS) {
      for (const range of [{ from, to }, ...days(from, to).map((d) => ({ from: d, to: d }))]) {
        checks.push(async () => {
          const got = await get(site.domain, 'overview', { ...range, ...f })
          const want = m.overview(range.from, range.to, f)
          const wantPrevious = m.overview(addDays(range.from, -rangeDays(range.from, range.to)), addDays(range.from, -1), f)
          if (!isDeepStrictEqual(overviewMetrics(got.current), overviewMetrics(want))) mismatches.push({ f, range, got: overviewMetrics(got.current), want: overviewMetrics(want) })
          if (!isDeepStrictEqual(overviewMetrics(got.previous), overviewMetrics(wantPrevious))) mismatches.push({ f, range, previous: true, got: overviewMetrics(got.previous), want: overviewMetrics(wantPrevious) })
          // Requests not tracked for DNT or GPC count in the hour they came, whatever the filter.
          const honoured = requests.filter((r, i) => r.dropped === 'honoured' && r.person.site === site.domain && localDay(site.tz, received[i]!) >= range.from && localDay(site.tz, received[i]!) <= range.to).length
          if (got.honoured.requests !== honoured) mismatches.push({ f, range, honoured: got.honoured.requests, want: honoured })
        })
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('counts every time series by the hour and by the day as the traffic does', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of FILTERS) {
      for (const metric of SERIES) {
        for (const interval of ['hour', 'day'] as const) {
          checks.push(async () => {
            const got = await get(site.domain, 'timeseries', { from, to, metric, interval, ...f })
            const points = pointsOf(got)
            const want = rounded(m.timeseries(from, to, f, metric, interval))
            if (!isDeepStrictEqual(points, want)) mismatches.push({ f, metric, interval, diff: diff(points, want) })
          })
        }
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('counts by the week and the month, and over the default 30 days, as the traffic does', async () => {
    const m = model()
    const today = localDay(site.tz, Date.now())
    const month = { from: addDays(today, -29), to: today }
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of SOME_FILTERS) {
      for (const metric of SERIES) {
        for (const interval of ['week', 'month'] as const) {
          checks.push(async () => {
            const got = await get(site.domain, 'timeseries', { ...month, metric, interval, ...f })
            const points = pointsOf(got)
            const want = rounded(m.timeseries(month.from, month.to, f, metric, interval))
            if (!isDeepStrictEqual(points, want)) mismatches.push({ f, metric, interval, diff: diff(points, want) })
          })
        }
      }
    }
    for (const f of FILTERS) {
      checks.push(async () => {
        const got = (await get(site.domain, 'overview', f)).current
        const want = m.overview(month.from, month.to, f)
        if (!isDeepStrictEqual(overviewMetrics(got), overviewMetrics(want))) mismatches.push({ f, range: 'default', got: overviewMetrics(got), want: overviewMetrics(want) })
      })
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('counts every breakdown over the range and its first day as the traffic does', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of FILTERS) {
      for (const range of [{ from, to }, { from, to: from }]) {
        // The first day alone, which a visit across its end leaves only in part, for the main dimensions.
        const dimensions =
          range.to !== to ? (['page', 'entry_page', 'country'] as const) : SOME_FILTERS.includes(f) ? [...BREAKDOWNS, ...MORE_BREAKDOWNS] : BREAKDOWNS
        for (const dimension of dimensions) {
          checks.push(async () => {
            const got = await get(site.domain, `breakdown/${dimension}`, { ...range, ...f, limit: '1000' })
            const rows = (got.rows as Record<string, unknown>[]).map(rounded)
            const want = m.breakdown(range.from, range.to, f, dimension).map(rounded)
            if (!isDeepStrictEqual(rows, want)) mismatches.push({ f, range, dimension, source: got.source, got: rows, want })
          })
        }
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('counts how visitors left pages as the traffic does', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of FILTERS) {
      for (const range of [{ from, to }, { from: to, to }]) {
        checks.push(async () => {
          const got = await get(site.domain, 'exits', { ...range, ...f, limit: '1000' })
          const rows = (got.rows as Record<string, unknown>[]).map(rounded)
          const want = m.exits(range.from, range.to, f).map(rounded)
          if (!isDeepStrictEqual(rows, want)) mismatches.push({ f, range, source: got.source, got: rows, want })
        })
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('counts failed resources, downloads, calls and custom event properties as the traffic does', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    const range = { from, to }
    for (const f of FILTERS) {
      const views = {
        errors: [() => get(site.domain, 'errors', { ...range, ...f, limit: '1000' }), () => m.errors(from, to, f)],
        downloads: [() => get(site.domain, 'errors', { ...range, ...f, kind: 'download', limit: '1000' }), () => m.errors(from, to, f, 'download')],
        calls: [() => get(site.domain, 'calls', { ...range, ...f, limit: '1000' }), () => m.calls(from, to, f)],
        properties: [() => get(site.domain, 'properties', { ...range, ...f, limit: '1000' }), () => m.properties(from, to, f)],
      } as const
      for (const [view, [ask, expected]] of Object.entries(views)) {
        checks.push(async () => {
          const got = await ask()
          const want = expected()
          if (!isDeepStrictEqual(got.rows, want)) mismatches.push({ view, f, source: got.source, got: got.rows, want })
        })
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('counts timing samples and their ratings as the traffic does', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of FILTERS) {
      for (const range of [{ from, to }, { from, to: from }]) {
        checks.push(async () => {
          const got = await get(site.domain, 'vitals', { ...range, ...f })
          const rows = (got.metrics as Record<string, unknown>[]).map(({ metric, samples, good, needs_improvement, poor }) => ({ metric, samples, good, needs_improvement, poor }))
          const want = m.vitals(range.from, range.to, f)
          if (!isDeepStrictEqual(rows, want)) mismatches.push({ f, range, source: got.source, got: rows, want })
        })
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('counts scroll depths, clicks, mouse movements and clicked elements as the traffic does', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of FILTERS) {
      for (const range of [{ from, to }, { from, to: from }]) {
        checks.push(async () => {
          const got = await get(site.domain, 'interactions', { ...range, ...f })
          const want = m.interactions(range.from, range.to, f)
          const { scroll, clicks, moves, elements } = got
          if (!isDeepStrictEqual({ scroll, clicks, moves, elements }, want)) mismatches.push({ f, range, source: got.source, got: { scroll, elements }, want: { scroll: want.scroll, elements: want.elements } })
        })
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('exports the rows of at least k visitors on a day, and only those, as the traffic has them', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const dimensions of [[], ['day'], ['day', 'country'], ['day', 'page'], ['browser', 'device'], ['source'], ['day', 'source'], ['entry_page', 'country'], ['exit_page']]) {
      for (const metrics of [['visitors', 'pageviews'], ['visitors', 'pageviews', 'visits']]) {
        if (dimensions.includes('page') && metrics.includes('visits')) continue
        for (const k of [2, 3]) {
          checks.push(async () => {
            const query = new URLSearchParams({ from, to, dimensions: dimensions.join(','), metrics: metrics.join(','), format: 'ndjson', k: String(k) })
            const res = await fetch(`${c.url}/api/export/${site.domain}?${query}`, { headers: { authorization: `Bearer ${c.adminToken}` } })
            expect(res.status, String(query)).toBe(200)
            const rows = (await res.text()).split('\n').filter(Boolean).map((line) =>
              Object.fromEntries(Object.entries(JSON.parse(line) as Record<string, unknown>).map(([key, v]) => [key, metrics.includes(key) ? Number(v) : v])),
            )
            const got = { rows, suppressed: Number(res.headers.get('x-tellen-suppressed-rows')) }
            const want = m.exportRows(from, to, dimensions, metrics, k)
            if (!isDeepStrictEqual(got, want) || Number(res.headers.get('x-tellen-rows')) !== want.rows.length) mismatches.push({ dimensions, metrics, k, got, want })
          })
        }
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('pages through breakdowns and exits in the order of the whole answer', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of [{}, { country: 'NL' }, { source: 'Direct' }, { page: '/pricing', source: 'Google' }] as Filters[]) {
      for (const [limit, offset] of [[1, 0], [2, 1], [3, 4]] as const) {
        const page = { from, to, ...f, limit: String(limit), offset: String(offset) }
        for (const dimension of ['page', 'entry_page', 'source', 'browser', 'event'] as const) {
          checks.push(async () => {
            const got = ((await get(site.domain, `breakdown/${dimension}`, page)).rows as Record<string, unknown>[]).map(rounded)
            const want = m.breakdown(from, to, f, dimension).slice(offset, offset + limit).map(rounded)
            if (!isDeepStrictEqual(got, want)) mismatches.push({ f, dimension, limit, offset, got, want })
          })
        }
        checks.push(async () => {
          const got = ((await get(site.domain, 'exits', page)).rows as Record<string, unknown>[]).map(rounded)
          const want = m.exits(from, to, f).slice(offset, offset + limit).map(rounded)
          if (!isDeepStrictEqual(got, want)) mismatches.push({ f, exits: true, limit, offset, got, want })
        })
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })
})

/** The buckets where two series differ, as `{ bucket: [got, want] }`. */
function diff(got: Record<string, unknown>, want: Record<string, unknown>) {
  const out: Record<string, [unknown, unknown]> = {}
  for (const k of new Set([...Object.keys(got), ...Object.keys(want)])) if (got[k] !== want[k]) out[k] = [got[k] ?? 0, want[k] ?? 0]
  return out
}

/** What the traffic sent so far should give for `site`: the expectations of the traffic model. */
function modelOf(site: { domain: string; tz: string }) {
  const rows = rowsOf(requests, received)
  return expectations(rows, cutVisits(rows), site.domain, site.tz)
}

describe('the stats API of a site whose visits move their start as late events come', () => {
  const site = MOVING
  const model = () => modelOf(site)
  /** Answers from the events under a filter on a visit may still match a moved visit's old row. */
  const exact = (f: Filters, source: string) => source === 'rollup' || Object.keys(f).every((d) => ['page', 'country', 'browser'].includes(d))

  it('counts the overview, time series and breakdowns read from the visits with FINAL as the traffic does', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of SOME_FILTERS) {
      for (const range of [{ from, to }, ...days(from, to).map((d) => ({ from: d, to: d }))]) {
        checks.push(async () => {
          const got = await get(site.domain, 'overview', { ...range, ...f })
          const want = overviewMetrics(m.overview(range.from, range.to, f))
          const current = overviewMetrics(got.current)
          // Visits always come from rollup_visits with FINAL; pageviews and visitors as `source` says.
          if (!exact(f, got.source)) for (const k of ['visitors', 'pageviews'] as const) delete current[k], delete want[k]
          if (!isDeepStrictEqual(current, want)) mismatches.push({ f, range, got: current, want })
        })
      }
      for (const metric of SERIES) {
        for (const interval of ['hour', 'day'] as const) {
          checks.push(async () => {
            const got = await get(site.domain, 'timeseries', { from, to, metric, interval, ...f })
            if (!exact(f, got.source)) return
            const points = pointsOf(got)
            const want = rounded(m.timeseries(from, to, f, metric, interval))
            if (!isDeepStrictEqual(points, want)) mismatches.push({ f, metric, interval, diff: diff(points, want) })
          })
        }
      }
      for (const dimension of BREAKDOWNS) {
        checks.push(async () => {
          const got = await get(site.domain, `breakdown/${dimension}`, { from, to, ...f, limit: '1000' })
          if (!exact(f, got.source)) return
          const rows = (got.rows as Record<string, unknown>[]).map(rounded)
          const want = m.breakdown(from, to, f, dimension).map(rounded)
          if (!isDeepStrictEqual(rows, want)) mismatches.push({ f, dimension, source: got.source, got: rows, want })
        })
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })
})

/** How many days on the collector is started again, for answers past the event retention (30 days). */
const DAYS_ON = 40
const DAY_MS = 86_400_000
/** The filters' dimensions together with a breakdown's, the way the pair totals of visits count them. */
const dimensionsOf = (f: Filters, dimension?: string) => new Set([...Object.keys(f), ...(dimension ? [dimension] : [])]).size

describe('the stats API once the traffic is older than the event retention', () => {
  const site = SITES[0]!
  const model = () => modelOf(site)

  beforeAll(async () => {
    expect(await c.stop()).toBe(0)
    // What the TTLs leave of the database 40 days on: every table kept for fewer days is empty.
    await withDataDir(c.dataDir, async (db) => {
      const tables = await rows<{ name: string; engine_full: string }>(db, `SELECT name, engine_full FROM system.tables WHERE database = 'tellen' AND engine LIKE '%MergeTree'`)
      for (const t of tables) {
        const ttl = ttlOf(t.engine_full)
        const days = ttlDays(ttl, ttl.split(' + ')[0]!)
        if (days !== undefined && days < DAYS_ON) await db.command({ query: `TRUNCATE TABLE tellen.\`${t.name}\`` })
      }
      const [visits] = await rows<{ n: string }>(db, 'SELECT count() AS n FROM tellen.rollup_visits')
      expect(Number(visits!.n)).toBe(0)
    })
    c = await startCollector({ ...COLLECTOR_ENV, TELLEN_TEST_CLOCK_SHIFT_MS: String(DAYS_ON * DAY_MS) }, c.dataDir, ['--import', path.join(ROOT, 'test/helpers/shifted-clock.mjs')])
  }, 300_000)

  it('counts the overview of every filter of one or two dimensions over the range and each of its days as the traffic does', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of FILTERS) {
      for (const range of [{ from, to }, ...days(from, to).map((d) => ({ from: d, to: d }))]) {
        checks.push(async () => {
          const got = await get(site.domain, 'overview', { ...range, ...f })
          const want = overviewMetrics(m.overview(range.from, range.to, f))
          if (got.source !== 'rollup' || !isDeepStrictEqual(overviewMetrics(got.current), want)) mismatches.push({ f, range, source: got.source, got: overviewMetrics(got.current), want })
        })
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('counts time series by the day, and by the hour under one visit filter, as the traffic does, and says an hourly one under two covers only the days kept', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of SOME_FILTERS) {
      for (const metric of SERIES) {
        checks.push(async () => {
          const got = await get(site.domain, 'timeseries', { from, to, metric, interval: 'day', ...f })
          const points = pointsOf(got)
          const want = rounded(m.timeseries(from, to, f, metric, 'day'))
          if (got.source !== 'rollup' || !isDeepStrictEqual(points, want)) mismatches.push({ f, metric, source: got.source, diff: diff(points, want) })
        })
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    // By the hour: one filter on a source or page of entry from the hourly visit totals, two filters from what is kept.
    for (const f of [{ source: 'Google' }, { entry_page: '/' }, { page: '/docs', source: 'Google' }] as Filters[]) {
      const got = await get(site.domain, 'timeseries', { from, to, metric: 'visits', interval: 'hour', ...f })
      const points = pointsOf(got)
      const want = Object.keys(f).length === 1 ? rounded(m.timeseries(from, to, f, 'visits', 'hour')) : {}
      if (got.source !== (Object.keys(f).length === 1 ? 'rollup' : 'events') || !isDeepStrictEqual(points, want)) mismatches.push({ f, hourly: true, source: got.source, diff: diff(points, want) })
    }
    expect(mismatches).toEqual([])
  })

  it('counts every breakdown of up to two dimensions as the traffic does, and says one of three covers only the days kept', async () => {
    const m = model()
    const { from, to } = rangeOf(site.tz)
    const mismatches: unknown[] = []
    const checks: (() => Promise<void>)[] = []
    for (const f of SOME_FILTERS) {
      for (const dimension of [...BREAKDOWNS, ...MORE_BREAKDOWNS]) {
        checks.push(async () => {
          const got = await get(site.domain, `breakdown/${dimension}`, { from, to, ...f, limit: '1000' })
          // Custom events under other filters are counted from the events alone.
          const answerable = dimensionsOf(f, dimension) <= 2 && (dimension !== 'event' || Object.keys(f).every((d) => d === 'event'))
          if (!answerable) {
            if (got.source !== 'events') mismatches.push({ f, dimension, source: got.source })
            return
          }
          const rows = (got.rows as Record<string, unknown>[]).map(rounded)
          const want = m.breakdown(from, to, f, dimension).map(rounded)
          if (got.source !== 'rollup' || !isDeepStrictEqual(rows, want)) mismatches.push({ f, dimension, source: got.source, got: rows, want })
        })
      }
    }
    await inTurns(QUESTIONS_AT_ONCE, checks)
    expect(mismatches).toEqual([])
  })

  it('counts the whole traffic of a site in another time zone over a range a day wider at either end', async () => {
    const east = SITES[1]!
    const rows = rowsOf(requests, received)
    const m = expectations(rows, cutVisits(rows), east.domain, east.tz)
    const { from, to } = rangeOf(east.tz)
    const wide = { from: addDays(from, -1), to: addDays(to, 1) }
    const mismatches: unknown[] = []
    for (const f of SOME_FILTERS) {
      const got = await get(east.domain, 'overview', { ...wide, ...f })
      const want = overviewMetrics(m.overview(wide.from, wide.to, f))
      if (!isDeepStrictEqual(overviewMetrics(got.current), want)) mismatches.push({ f, got: overviewMetrics(got.current), want })
    }
    expect(mismatches).toEqual([])
  })
})

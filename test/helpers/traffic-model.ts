/**
 * Seeded traffic for differential tests of the stats API, and the answers the API should give for it,
 * computed here from the traffic alone by the rules the README and docs/design.md state: a visit is a
 * run of one visitor's pageview, custom, leave, click, download and call events without a gap over 30
 * minutes, never across a UTC midnight; its source, referrer, campaign, country and technology are
 * those of its first pageview; days and hours are cut in the site's time zone.
 */
import { isDeepStrictEqual } from 'node:util'
import { addDays, rangeDays } from '../../collector/src/stats/range.ts'
import { UA } from './collector.ts'
import { CLIENTS, PLACES, random } from './stats-fixture.ts'

const MINUTE = 60_000
const HOUR = 3_600_000
const GAP_MS = 30 * MINUTE
/** The event types that make up a visit (and mark its start and end). */
const VISIT_TYPES = new Set(['pageview', 'custom', 'leave', 'click', 'download', 'call'])

export const PAGES = ['/', '/pricing', '/docs', '/docs/install', '/blog/hello-world', '/about'] as const
/** Referrers of a first pageview, and the host and source the collector names for each. */
const REFERRERS = [
  { url: '', host: '' },
  { url: 'https://www.google.com/search?q=tellen', host: 'google.com' },
  { url: 'https://news.ycombinator.com/item?id=41', host: 'news.ycombinator.com' },
  { url: 'https://blog.example.org/links', host: 'blog.example.org' },
] as const
const SOURCE_OF: Record<string, string> = { '': 'Direct', 'google.com': 'Google', 'news.ycombinator.com': 'Hacker News', 'blog.example.org': 'blog.example.org' }
const CAMPAIGNS = [
  { query: '?utm_source=newsletter&utm_medium=email&utm_campaign=autumn', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'autumn' },
  { query: '?ref=partner', utm_source: 'partner', utm_medium: '', utm_campaign: '' },
] as const
export const CUSTOM_EVENTS = ['signup', 'newsletter'] as const

/** What the collector stores of a client, the same on every event it sends. */
interface ClientValues {
  country: string
  browser: string
  os: string
  device: string
  screen: string
  timezone: string
  language: string
}

/**
 * One client of a site: an address and a browser, so one visitor code per UTC day. An event is hashed
 * with the salt of its own UTC day; a day that has none (yesterday, on the fresh database of these
 * tests) gets its own, never another day's.
 */
export interface Person extends ClientValues {
  site: string
  id: number
  ip: string
  ua: string
  sw: number
}

/** One request to `/api/event`: a page view's events, as the SDK sends them. */
export interface Request {
  person: Person
  events: Record<string, unknown>[]
  /** Headers beside the client's address and user agent. */
  headers?: Record<string, string>
  /** Why nothing of it is stored: a bot, a referrer on the spam list, or DNT or GPC honoured. */
  dropped?: 'bot' | 'spam' | 'honoured'
}

/** An event as stored: the wire event with what the collector derives for it. */
export interface Row extends ClientValues {
  site: string
  /** The visitor code: the person and the UTC day of the event (see `Person`). */
  visitor: string
  ts: number
  type: string
  path: string
  name: string
  /** A timing's value. */
  value: number
  /** A custom event's properties. */
  props: Record<string, string>
  /** A leave event's scroll depth and mouse-movement grid, a click's cell and element. */
  scroll: number
  grid: number[]
  cell: [number, number]
  element: string
  /** A leave event's exit kind, target and engaged time. */
  exit: string
  target: string
  engaged: number
  source: string
  referrer: string
  utm_source: string
  utm_medium: string
  utm_campaign: string
  /** The visit the event belongs to (none for an event of a run without pageviews). */
  visit?: Visit
}

export interface Visit {
  site: string
  visitor: string
  start: number
  end: number
  pageviews: number
  customs: number
  entry_page: string
  exit_page: string
  pages: Set<string>
  events: Set<string>
  /** The first pageview: source, referrer, campaign, country and technology of the visit. */
  first: Row
}

/** The window of event times: the protocol takes events up to 24 hours old. */
export function eventWindow(now: number) {
  return { from: now - 23 * HOUR, to: now - 3 * MINUTE }
}

/**
 * Whether the event window of traffic generated at `now` holds a midnight of `tz`, so that the
 * traffic covers two of its days: always for the zone of `eastZoneWithMidnight`; for UTC except in
 * the hour before UTC midnight, as the window is 23 hours long.
 * @example expect(daysOf(from, to).length).toBe(crossesMidnight(generatedAt, 'UTC') ? 2 : 1)
 */
export function crossesMidnight(now: number, tz: string): boolean {
  const w = eventWindow(now)
  return localMidnightIn(tz, w.from, w.to) !== undefined
}

/**
 * A time zone east of UTC, without daylight saving time, whose midnight falls inside the event window
 * of traffic generated at `now`, an hour or more from either end, so that visits cross it: Asia/Tokyo,
 * or Asia/Dubai in the three hours of the day when Tokyo's midnight is not in the 23-hour window.
 * @example const east = { domain: 'east.diff.test', tz: eastZoneWithMidnight(Date.now()) }
 */
export function eastZoneWithMidnight(now: number): 'Asia/Tokyo' | 'Asia/Dubai' {
  const w = eventWindow(now)
  return localMidnightIn('Asia/Tokyo', w.from + HOUR, w.to - HOUR) !== undefined ? 'Asia/Tokyo' : 'Asia/Dubai'
}

/** The local days of time zone `tz` that traffic generated at `now` falls on, as the range of a question. */
export function trafficRange(now: number, tz: string) {
  const w = eventWindow(now)
  return { from: localDay(tz, w.from), to: localDay(tz, w.to) }
}

/** Every day from `from` to `to`, both included. */
export const daysOf = (from: string, to: string) => Array.from({ length: rangeDays(from, to) }, (_, i) => addDays(from, i))

/**
 * Generates the traffic of `people` clients of each site within the last 23 hours: one to four
 * visits each, many starting shortly before a local or UTC midnight or an hour boundary, with
 * referrers or campaign tags on first pageviews, several pages, clicks, custom events, timings and
 * leave events, some page views closer than 30 minutes to the next (exactly 30:00 among them), some
 * over it by less than a second, and now and then a tab hidden for long whose leave
 * or custom event comes alone.
 */
export function generateTraffic(sites: readonly { domain: string; tz: string }[], people: number, now: number, seed: number): Request[] {
  const rnd = random(seed)
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!
  const between = (a: number, b: number) => a + Math.floor(rnd() * (b - a))
  const window = eventWindow(now)
  const out: Request[] = []
  for (const site of sites) {
    // Instants around which visits cluster: the site's local midnight and the UTC midnight in the
    // window, an hour or more from its ends (a midnight just before the window's end would leave the
    // visits around it cut short, and the site with a third of its traffic).
    const anchors = [localMidnightIn(site.tz, window.from + HOUR, window.to - HOUR), localMidnightIn('UTC', window.from + HOUR, window.to - HOUR)].filter((t): t is number => t !== undefined)
    for (let id = 0; id < people; id++) {
      const person = personOf(site.domain, id)
      // The first two clients of a site are on the site as its day (and the UTC day) turns.
      const across = id < anchors.length
      const r = rnd()
      let t =
        across ? anchors[id]! - between(3 * MINUTE, 6 * MINUTE)
        : r < 0.4 && anchors.length ? pick(anchors) - between(0, 40 * MINUTE)
        : r < 0.6 ? Math.ceil(between(window.from, window.to) / HOUR) * HOUR - between(0, 10 * MINUTE)
        : between(window.from, window.to - 2 * HOUR)
      t = Math.max(t, window.from)
      const visits = 1 + Math.floor(rnd() * 4)
      for (let v = 0; v < visits && t < window.to; v++) {
        const pageviews = across && v === 0 ? 4 : rnd() < 0.35 ? 1 : 2 + Math.floor(rnd() * 4)
        const campaign = rnd() < 0.2 ? pick(CAMPAIGNS) : undefined
        const referrer = pick(REFERRERS)
        const paths = Array.from({ length: pageviews }, (_, p) => (p === 0 ? pick(PAGES.slice(0, 3)) : pick(PAGES)))
        let previous = `https://${site.domain}/`
        let last = t
        for (let p = 0; p < pageviews && t < window.to; p++) {
          const url = `https://${site.domain}${paths[p]}${p === 0 && campaign ? campaign.query : ''}`
          const events: Record<string, unknown>[] = [{ type: 'pageview', url, ts: t, referrer: p === 0 ? referrer.url : previous }]
          const at = (dt: number) => Math.min(t + dt, window.to)
          events.push({ type: 'timing', url, ts: at(400), metric: 'lcp', value: 800 + between(0, 4000) })
          if (rnd() < 0.5) events.push({ type: 'timing', url, ts: at(250), metric: 'ttfb', value: 100 + between(0, 2400) })
          const dwell = across && v === 0 ? between(2 * MINUTE, 3 * MINUTE) : rnd() < 0.2 ? between(10 * MINUTE, 25 * MINUTE) : between(5_000, 6 * MINUTE)
          if (rnd() < 0.4) events.push({ type: 'click', url, ts: at(between(1_000, dwell)), el: pick(['button#buy', 'a#nav-docs']), cx: between(0, 10), cy: between(0, 10) })
          if (rnd() < 0.2) events.push({ type: 'custom', url, ts: at(between(1_000, dwell)), name: pick(CUSTOM_EVENTS), props: { plan: pick(['free', 'pro']), ...(rnd() < 0.5 ? { annual: true } : {}) } })
          if (rnd() < 0.1) events.push({ type: 'error', url, ts: at(600), kind: pick(['img', 'script']), resource: `https://${site.domain}/static/${pick(['hero.png', 'app.js'])}` })
          if (rnd() < 0.08) events.push({ type: 'download', url, ts: at(between(1_000, dwell)), resource: `https://${site.domain}/files/report.pdf` })
          if (rnd() < 0.06) events.push({ type: 'call', url, ts: at(between(1_000, dwell)), number: pick(['+31 20 123 4567', '+1 (555) 010-9999']) })
          const leave = rnd()
          const how =
            p < pageviews - 1 ? { exit: 'internal', target: `https://${site.domain}${paths[p + 1]}` }
            : rnd() < 0.3 ? { exit: 'outbound', target: pick(['https://github.com/tellen', 'https://www.wikipedia.org/wiki/Web_analytics']) }
            : { exit: 'hidden' }
          const grid = rnd() < 0.5 ? { grid: Array.from({ length: 100 }, () => (rnd() < 0.2 ? between(1, 4) : 0)) } : {}
          if (leave < 0.85) events.push({ type: 'leave', url, ts: at(dwell), ...how, engaged: between(1_000, dwell), scroll: between(0, 101), ...grid })
          // A tab hidden for long: its leave, or a custom event of the page, comes alone more than 30
          // minutes after the page view.
          else if (leave < 0.9) events.push({ type: 'leave', url, ts: at(between(35 * MINUTE, 50 * MINUTE)), exit: 'hidden', engaged: 1_000, scroll: 10 })
          else if (leave < 0.93) events.push({ type: 'custom', url, ts: at(between(35 * MINUTE, 50 * MINUTE)), name: pick(CUSTOM_EVENTS), props: { plan: 'free' } })
          out.push({ person, events: events.sort((a, b) => (a.ts as number) - (b.ts as number)) })
          last = Math.max(...events.map((e) => (VISIT_TYPES.has(e.type as string) ? (e.ts as number) : 0)))
          // The next page view: soon, or after a long read (at most 30 minutes after the last event).
          const next = rnd()
          t = last + (next < 0.7 ? between(200, 5_000) : next < 0.8 ? GAP_MS : between(5 * MINUTE, 29 * MINUTE))
          previous = url
        }
        // The next visit: mostly well apart, sometimes just over 30 minutes (by less than a second),
        // sometimes under it (the two are one visit).
        const gap = rnd()
        t = last + (gap < 0.2 ? GAP_MS + between(1, 1_000) : gap < 0.3 ? between(5 * MINUTE, 25 * MINUTE) : between(35 * MINUTE, 3 * HOUR))
      }
    }
    // One visit along the pages in order, well inside the window at any hour: the random visits alone
    // miss some paths (a funnel's steps) at some hours, when the window's end cuts them short.
    out.push(...visitAlong(personOf(site.domain, people), window.from + 6 * HOUR, ['/', '/docs', '/docs/install', '/pricing']))
  }
  return [...out.filter((r) => r.events.length && (r.events[0]!.ts as number) <= window.to), ...untracked(sites, now, rnd)]
}

/** The client numbered `id` of a site: its address, browser and place. */
function personOf(site: string, id: number): Person {
  const client = CLIENTS[id % CLIENTS.length]!
  const place = PLACES[Math.floor(id / CLIENTS.length) % PLACES.length]!
  return {
    site, id, ip: `${place.ip}${20 + id}`, ua: client.ua, sw: client.sw, country: place.country, browser: client.browser,
    os: client.os, device: client.device, screen: client.screen, timezone: place.tz, language: place.lang,
  }
}

/** A visit of `person` from `start` through `paths`, a page a minute, each left for the next; the last one hidden. */
function visitAlong(person: Person, start: number, paths: readonly string[]): Request[] {
  return paths.map((path, i) => {
    const url = `https://${person.site}${path}`
    const ts = start + i * MINUTE
    const next = paths[i + 1]
    const leave = next === undefined ? { exit: 'hidden' } : { exit: 'internal', target: `https://${person.site}${next}` }
    return {
      person,
      events: [
        { type: 'pageview', url, ts, referrer: i === 0 ? '' : `https://${person.site}${paths[i - 1]}` },
        { type: 'leave', url, ts: ts + 50_000, ...leave, engaged: 40_000, scroll: 60 },
      ],
    }
  })
}

/** Requests of which nothing may be counted: a crawler, referrer spam, and visitors asking not to be tracked. */
function untracked(sites: readonly { domain: string }[], now: number, rnd: () => number): Request[] {
  const out: Request[] = []
  for (const site of sites) {
    const someone = (id: number, ua: string): Person => ({
      site: site.domain, id, ip: `8.8.4.${id}`, ua, sw: 1600, country: 'US', browser: 'Chrome', os: 'Mac OS', device: 'desktop', screen: 'desktop',
      timezone: 'America/New_York', language: 'en-US',
    })
    const pageview = (referrer = '') => ({ type: 'pageview', url: `https://${site.domain}/pricing`, ts: now - Math.floor(rnd() * 20 * HOUR), referrer })
    const bot = someone(201, UA.googlebot)
    for (let i = 0; i < 3; i++) out.push({ person: bot, events: [pageview(), pageview()], dropped: 'bot' })
    out.push({ person: someone(202, UA.chromeMac), events: [pageview('https://100dollars-seo.com/')], dropped: 'spam' })
    for (const headers of [{ dnt: '1' }, { 'sec-gpc': '1' }, { dnt: '1' }] as Record<string, string>[]) out.push({ person: someone(203, UA.firefoxWindows), events: [pageview()], headers, dropped: 'honoured' })
  }
  return out
}

/**
 * Picks about a `share` of the requests to arrive late, after the visits job has cut the others:
 * beacons that were queued or retried. A late request may make a visit grow, end elsewhere or appear,
 * but never move its start or give it another first pageview: the visit-slot filter on events reads
 * visits without FINAL, so until a merge it may still match such a visit's old row (docs/design.md).
 * On the sites `anyOf` names, any request may be late.
 */
export function lateRequests(requests: readonly Request[], share: number, seed: number, anyOf?: (site: string) => boolean): Set<Request> {
  const rnd = random(seed)
  const late = new Set<Request>()
  const byPerson = new Map<Person, Request[]>()
  for (const r of requests) byPerson.set(r.person, [...(byPerson.get(r.person) ?? []), r])
  for (const own of byPerson.values()) {
    const firstOf = (rs: readonly Request[]) => {
      const rows = rowsOf(rs, rs.map(() => 0))
      return new Map(cutVisits(rows).map((v) => [v.start, v.first.ts]))
    }
    const final = firstOf(own)
    const chosen: Request[] = []
    for (const r of own) {
      if (rnd() >= share) continue
      // Late requests come in their order, so every state from none of them to all must hold only
      // visits that keep their start and first pageview.
      const candidate = [...chosen, r]
      const states = candidate.map((_, i) => own.filter((x) => !candidate.slice(i).includes(x)))
      if (anyOf?.(r.person.site) || states.every((state) => [...firstOf(state)].every(([start, first]) => final.get(start) === first))) {
        chosen.push(r)
        late.add(r)
      }
    }
  }
  return late
}

const formats = new Map<string, Intl.DateTimeFormat>()
/**
 * Every zone's offset is a whole number of quarter hours, so the local day and hour are the same
 * throughout a quarter hour: kept once worked out (formatToParts for every row and question took the
 * differential tests about 7 s of CPU).
 */
const QUARTER_HOUR = 15 * 60_000
const partsByQuarter = new Map<string, { day: string; hour: string }>()
function parts(tz: string, ms: number) {
  const quarter = Math.floor(ms / QUARTER_HOUR)
  const key = `${tz} ${quarter}`
  const known = partsByQuarter.get(key)
  if (known) return known
  let f = formats.get(tz)
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' })
    formats.set(tz, f)
  }
  const p = Object.fromEntries(f.formatToParts(new Date(quarter * QUARTER_HOUR)).map((x) => [x.type, x.value]))
  const result = { day: `${p.year}-${p.month}-${p.day}`, hour: p.hour! }
  partsByQuarter.set(key, result)
  return result
}
/** The local day of an instant, `YYYY-MM-DD`. */
export const localDay = (tz: string, ms: number) => parts(tz, ms).day
/** The local hour of an instant as the API labels it, `YYYY-MM-DD HH:00`. */
export const localHour = (tz: string, ms: number) => {
  const p = parts(tz, ms)
  return `${p.day} ${p.hour}:00`
}
const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10)

/** The first local midnight after `from` and before `to`, if there is one (found to the minute). */
function localMidnightIn(tz: string, from: number, to: number): number | undefined {
  const first = localDay(tz, from)
  let t = Math.ceil(from / MINUTE) * MINUTE
  // By the hour up to the hour it turns in, then by the minute (a zone's midnight is on a whole minute).
  while (t + HOUR < to && localDay(tz, t + HOUR) === first) t += HOUR
  for (; t < to; t += MINUTE) if (localDay(tz, t) !== first) return t
  return undefined
}

/** Rows of the traffic as the collector stores them, `received` being when each request was sent. */
export function rowsOf(requests: readonly Request[], received: readonly number[]): Row[] {
  const rows: Row[] = []
  requests.forEach((r, i) => {
    if (r.dropped) return
    for (const e of r.events) {
      const visitor = `${r.person.site}/${r.person.id}/${utcDay(e.ts as number)}`
      const url = new URL(e.url as string)
      const pageview = e.type === 'pageview'
      const params = url.searchParams
      const utmSource = pageview ? (params.get('utm_source') ?? params.get('ref') ?? '') : ''
      const refHost = pageview ? hostOf(e.referrer as string, r.person.site) : ''
      rows.push({
        site: r.person.site, visitor, ts: e.ts as number, type: e.type as string, path: url.pathname, name: e.type === 'custom' ? (e.name as string) : e.type === 'timing' ? (e.metric as string) : e.type === 'error' ? (e.kind as string) : '',
        value: e.type === 'timing' ? (e.value as number) : 0,
        scroll: e.type === 'leave' ? (e.scroll as number) : 0, grid: e.type === 'leave' ? ((e.grid as number[] | undefined) ?? []) : [],
        cell: e.type === 'click' ? [e.cx as number, e.cy as number] : [0, 0], element: e.type === 'click' ? (e.el as string) : '',
        props: e.type === 'custom' ? Object.fromEntries(Object.entries(e.props as object).map(([k, v]) => [k, String(v)])) : {},
        exit: e.type === 'leave' ? (e.exit as string) : '', target: targetOfEvent(e),
        engaged: e.type === 'leave' ? (e.engaged as number) : 0,
        country: r.person.country, browser: r.person.browser, os: r.person.os, device: r.person.device, screen: r.person.screen,
        timezone: r.person.timezone, language: r.person.language,
        source: pageview ? utmSource || SOURCE_OF[refHost]! : '', referrer: refHost,
        utm_source: utmSource, utm_medium: pageview ? (params.get('utm_medium') ?? '') : '', utm_campaign: pageview ? (params.get('utm_campaign') ?? '') : '',
      })
    }
  })
  return rows
}

/** What an event's `target` column holds: where a leave led, the resource of an error or download, a call's number. */
function targetOfEvent(e: Record<string, unknown>): string {
  if (e.type === 'leave') return targetOf(e.exit as string, e.target as string | undefined)
  if (e.type === 'error' || e.type === 'download') return targetOf('', e.resource as string)
  if (e.type === 'call') return (e.number as string).replace(/[^+0-9]/g, '')
  return ''
}

/** A leave event's target as stored: the host of an outbound link, else host and path. */
function targetOf(exit: string, target: string | undefined): string {
  if (!target) return ''
  const u = new URL(target)
  return exit === 'outbound' ? u.hostname : `${u.hostname}${u.pathname}`
}

function hostOf(referrer: string, site: string): string {
  if (!referrer) return ''
  const host = new URL(referrer).hostname.replace(/^www\./, '')
  return host === site ? '' : host
}

/** Cuts the rows into visits (and links each row to its visit): per visitor and UTC day, at gaps over 30 minutes. */
export function cutVisits(rows: readonly Row[]): Visit[] {
  const runs = new Map<string, Row[]>()
  for (const r of rows) {
    if (!VISIT_TYPES.has(r.type)) continue
    const key = `${r.site}|${r.visitor}|${utcDay(r.ts)}`
    const run = runs.get(key)
    if (run) run.push(r)
    else runs.set(key, [r])
  }
  const visits: Visit[] = []
  for (const run of runs.values()) {
    run.sort((a, b) => a.ts - b.ts)
    let current: Row[] = []
    const close = () => {
      const pageviews = current.filter((r) => r.type === 'pageview')
      if (pageviews.length) {
        const visit: Visit = {
          site: current[0]!.site, visitor: current[0]!.visitor, start: current[0]!.ts, end: current.at(-1)!.ts,
          pageviews: pageviews.length, customs: current.filter((r) => r.type === 'custom').length,
          entry_page: pageviews[0]!.path, exit_page: pageviews.at(-1)!.path,
          pages: new Set(pageviews.map((r) => r.path)), events: new Set(current.filter((r) => r.type === 'custom').map((r) => r.name)),
          first: pageviews[0]!,
        }
        for (const r of current) r.visit = visit
        visits.push(visit)
      }
      current = []
    }
    for (const r of run) {
      if (current.length && r.ts - current.at(-1)!.ts > GAP_MS) close()
      current.push(r)
    }
    close()
  }
  return visits
}

export type Filters = Partial<Record<'page' | 'entry_page' | 'exit_page' | 'source' | 'referrer' | 'utm_source' | 'utm_medium' | 'utm_campaign' | 'event' | keyof ClientValues, string>>
type FilterDimension = keyof Filters

const VISIT_DIMS = new Set<FilterDimension>(['entry_page', 'exit_page', 'source', 'referrer', 'utm_source', 'utm_medium', 'utm_campaign', 'event'])

/** Whether a visit matches every filter: a page it viewed, a custom event it holds, its own values for the rest. */
export function visitMatches(v: Visit, f: Filters, only?: (d: FilterDimension) => boolean): boolean {
  return (Object.entries(f) as [FilterDimension, string][]).every(([d, value]) => {
    if (only && !only(d)) return true
    if (d === 'page') return v.pages.has(value)
    if (d === 'event') return v.events.has(value)
    if (d === 'entry_page' || d === 'exit_page') return v[d] === value
    return v.first[d] === value
  })
}

/** Whether an event matches: its own page, place and technology, and its visit for the dimensions of a visit. */
export function rowMatches(r: Row, f: Filters): boolean {
  for (const [d, value] of Object.entries(f) as [FilterDimension, string][]) {
    if (VISIT_DIMS.has(d)) continue
    if ((d === 'page' ? r.path : r[d as keyof ClientValues]) !== value) return false
  }
  const visitFilters = Object.keys(f).some((d) => VISIT_DIMS.has(d as FilterDimension))
  return !visitFilters || (r.visit !== undefined && visitMatches(r.visit, f, (d) => VISIT_DIMS.has(d)))
}

/** A number as the comparisons see it: rounded to 9 decimal places; anything else as it is. */
export const roundFloat = (x: unknown) => (typeof x === 'number' ? Math.round(x * 1e9) / 1e9 : x)

/** Every value of `o` as the comparisons see it (`roundFloat`). */
export const rounded = <T extends Record<string, unknown>>(o: T) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, roundFloat(v)]))

/** The non-zero points of a time series answer, by bucket, rounded as the comparisons see them (`roundFloat`). */
export const pointsOf = (answer: { points: { bucket: string; value: number }[] }) => Object.fromEntries(answer.points.filter((p) => p.value !== 0).map((p) => [p.bucket, roundFloat(p.value)]))

/** The metrics of an overview period, rounded as the comparisons see them (`roundFloat`). */
export const overviewMetrics = (o: Record<string, unknown>) =>
  Object.fromEntries(['visitors', 'visits', 'pageviews', 'pages_per_visit', 'bounce_rate', 'visit_duration'].map((k) => [k, roundFloat(o[k])]))

/**
 * Waits until each site's overview over the traffic's range (`currentOf`, the `current` period of
 * the stats API's answer) is what `rows` give: every pageview, and every visit with its pageviews,
 * bounce and duration. The writer flushes within 100 ms and the visits job runs a moment after an
 * insert, but a pass may take longer on a busy machine. Gives up at `deadline` (the comparisons then
 * say what is missing), then waits for one more pass of the job after the last one that could still
 * have missed a late insert.
 * @example
 * await untilVisitsCut(SITES, rowsOf(requests, received), async (site) => (await get(site.domain, 'overview', rangeOf(site.tz))).current, Date.now() + 60_000)
 */
export async function untilVisitsCut<S extends { domain: string; tz: string }>(
  sites: readonly S[],
  rows: readonly Row[],
  currentOf: (site: S) => Promise<Record<string, unknown>>,
  deadline: number,
): Promise<void> {
  const visits = cutVisits(rows)
  for (const site of sites) {
    const want = overviewMetrics(expectations(rows, visits, site.domain, site.tz).overview('2000-01-01', '2099-12-31', {}))
    while (Date.now() < deadline) {
      if (isDeepStrictEqual(overviewMetrics(await currentOf(site)), want)) break
      await new Promise((r) => setTimeout(r, 200))
    }
  }
  await new Promise((r) => setTimeout(r, 600))
}

/** The expected answers about one site's traffic. */
export function expectations(rows: readonly Row[], visits: readonly Visit[], site: string, tz: string) {
  const siteRows = rows.filter((r) => r.site === site)
  const siteVisits = visits.filter((v) => v.site === site)
  const inRange = (ms: number, from: string, to: string) => {
    const d = localDay(tz, ms)
    return d >= from && d <= to
  }
  const pageviews = (from: string, to: string, f: Filters) => siteRows.filter((r) => r.type === 'pageview' && inRange(r.ts, from, to) && rowMatches(r, f))
  const visitsOf = (from: string, to: string, f: Filters) => siteVisits.filter((v) => inRange(v.start, from, to) && visitMatches(v, f))
  const distinct = (xs: readonly { visitor: string }[]) => new Set(xs.map((x) => x.visitor)).size
  /**
   * Whether a timing, leave or click event matches the filters. With one filter on a source, referrer,
   * campaign tag, entry or exit page, the event counts with the last visit of its visitor that started
   * at or before it on its UTC day, if it came within 30 minutes of that visit's end (the visits job
   * keeps such details so); with other filters on a visit, when a matching visit of its visitor spans
   * the event's half-hour slot.
   */
  const detailMatcher = (f: Filters, details = true) => {
    const dims = Object.keys(f) as FilterDimension[]
    const byDetail = details && dims.length === 1 && VISIT_DIMS.has(dims[0]!) && dims[0] !== 'event'
    const own = Object.fromEntries(Object.entries(f).filter(([d]) => !VISIT_DIMS.has(d as FilterDimension))) as Filters
    const onVisit = dims.some((d) => VISIT_DIMS.has(d))
    const slot = (ms: number) => Math.floor(ms / GAP_MS)
    return (r: Row) => {
      if (!rowMatches(r, own)) return false
      if (!onVisit) return true
      const candidates = siteVisits.filter((v) => v.visitor === r.visitor)
      if (byDetail) {
        const owner = candidates.filter((v) => utcDay(v.start) === utcDay(r.ts) && v.start <= r.ts).sort((a, b) => b.start - a.start)[0]
        return owner !== undefined && r.ts <= owner.end + GAP_MS && visitMatches(owner, f)
      }
      return candidates.some((v) => slot(v.start) <= slot(r.ts) && slot(r.ts) <= slot(v.end) && visitMatches(v, f, (d) => VISIT_DIMS.has(d)))
    }
  }
  const visitMetrics = (vs: readonly Visit[]) => ({
    visits: vs.length,
    pages_per_visit: vs.length ? vs.reduce((n, v) => n + v.pageviews, 0) / vs.length : 0,
    bounce_rate: vs.length ? vs.filter((v) => v.pageviews === 1 && v.customs === 0).length / vs.length : 0,
    visit_duration: vs.length ? vs.reduce((n, v) => n + v.end - v.start, 0) / vs.length / 1000 : 0,
  })
  return {
    overview(from: string, to: string, f: Filters) {
      const pvs = pageviews(from, to, f)
      return { visitors: distinct(pvs), pageviews: pvs.length, ...visitMetrics(visitsOf(from, to, f)) }
    },
    /** Non-zero points of a time series, by bucket label. */
    timeseries(from: string, to: string, f: Filters, metric: string, interval: 'hour' | 'day' | 'week' | 'month'): Record<string, number> {
      const bucket = (ms: number) => {
        if (interval === 'hour') return localHour(tz, ms)
        const day = localDay(tz, ms)
        if (interval === 'month') return `${day.slice(0, 7)}-01`
        if (interval === 'week') return new Date(Date.parse(day) - ((new Date(day).getUTCDay() + 6) % 7) * 86_400_000).toISOString().slice(0, 10)
        return day
      }
      const out: Record<string, number> = {}
      if (metric === 'visitors' || metric === 'pageviews') {
        const groups = groupBy(pageviews(from, to, f), (r) => bucket(r.ts))
        for (const [b, pvs] of groups) out[b] = metric === 'visitors' ? distinct(pvs) : pvs.length
      } else {
        const groups = groupBy(visitsOf(from, to, f), (v) => bucket(v.start))
        for (const [b, vs] of groups) out[b] = visitMetrics(vs)[metric as 'visits' | 'bounce_rate' | 'visit_duration']
      }
      return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== 0))
    },
    /** Every row of a breakdown, in the API's order. */
    breakdown(from: string, to: string, f: Filters, dimension: string): Record<string, number | string>[] {
      if (dimension === 'event') {
        const customs = siteRows.filter((r) => r.type === 'custom' && inRange(r.ts, from, to) && rowMatches(r, withoutEvent(f)) && (f.event === undefined || r.name === f.event))
        return [...groupBy(customs, (r) => r.name)]
          .map(([value, rs]) => ({ value, visitors: distinct(rs), events: rs.length }))
          .sort((a, b) => b.events - a.events || compare(a.value, b.value))
      }
      if (VISIT_DIMS.has(dimension as FilterDimension)) {
        const key = (v: Visit) => (dimension === 'entry_page' || dimension === 'exit_page' ? v[dimension] : v.first[dimension as 'source'])
        return [...groupBy(visitsOf(from, to, f), key)]
          .map(([value, vs]) => ({ value, visitors: distinct(vs), visits: vs.length, pageviews: vs.reduce((n, v) => n + v.pageviews, 0), bounce_rate: visitMetrics(vs).bounce_rate }))
          .sort((a, b) => b.visits - a.visits || compare(a.value, b.value))
      }
      const key = (r: Row) => (dimension === 'page' ? r.path : r[dimension as keyof ClientValues])
      return [...groupBy(pageviews(from, to, f), key)]
        .map(([value, rs]) => ({ value, visitors: distinct(rs), pageviews: rs.length }))
        .sort((a, b) => b.visitors - a.visitors || b.pageviews - a.pageviews || compare(a.value, b.value))
    },
    /** Timing samples and their ratings per metric (see `detailMatcher`). */
    vitals(from: string, to: string, f: Filters): Record<string, number | string>[] {
      const matches = detailMatcher(f)
      const THRESHOLDS: Record<string, [number, number]> = { lcp: [2500, 4000], ttfb: [800, 1800] }
      const timings = siteRows.filter((r) => r.type === 'timing' && inRange(r.ts, from, to) && matches(r))
      return [...groupBy(timings, (r) => r.name)]
        .map(([metric, rs]) => {
          const [good, poor] = THRESHOLDS[metric]!
          return {
            metric, samples: rs.length, good: rs.filter((r) => r.value <= good).length,
            needs_improvement: rs.filter((r) => r.value > good && r.value <= poor).length, poor: rs.filter((r) => r.value > poor).length,
          }
        })
        .sort((a, b) => compare(a.metric, b.metric))
    },
    /**
     * The rows of a partner export, in its order, and how many it leaves out: from the pageviews when
     * one pageview rollup holds every dimension and visits are not asked for, else from the visits
     * (by their start, with their pageviews). A row is shown when it has at least `k` visitors on one
     * UTC day.
     */
    exportRows(from: string, to: string, dimensions: readonly string[], metrics: readonly string[], k: number) {
      const traffic = !metrics.includes('visits') && TRAFFIC_GROUPS.some((g) => dimensions.every((d) => d === 'day' || g.includes(d)))
      type Item = { visitor: string; ts: number; pageviews: number; values: (d: string) => string }
      const items: Item[] = traffic
        ? pageviews(from, to, {}).map((r) => ({ visitor: r.visitor, ts: r.ts, pageviews: 1, values: (d) => (d === 'page' ? r.path : r[d as keyof ClientValues]) }))
        : visitsOf(from, to, {}).map((v) => ({
            visitor: v.visitor, ts: v.start, pageviews: v.pageviews,
            values: (d) => (d === 'entry_page' || d === 'exit_page' ? v[d] : v.first[d as keyof ClientValues]),
          }))
      const key = (x: Item) => JSON.stringify(dimensions.map((d) => (d === 'day' ? localDay(tz, x.ts) : x.values(d))))
      const rows = [...groupBy(items, key)].map(([k, xs]) => {
        const values = JSON.parse(k) as string[]
        const row: Record<string, string | number> = Object.fromEntries(dimensions.map((d, i) => [d, values[i]!]))
        const all = { visitors: distinct(xs), pageviews: xs.reduce((n, x) => n + x.pageviews, 0), visits: xs.length }
        for (const m of metrics) row[m] = all[m as keyof typeof all]
        return { row, people: Math.max(...[...groupBy(xs, (x) => utcDay(x.ts)).values()].map(distinct)) }
      })
      const shown = rows.filter((r) => r.people >= k).map((r) => r.row)
      shown.sort((a, b) => {
        for (const d of dimensions) if (a[d] !== b[d]) return compare(String(a[d]), String(b[d]))
        return 0
      })
      return { rows: shown, suppressed: rows.length - shown.length }
    },
    /** Scroll depths, click and movement grids and the top 20 clicked elements (see `detailMatcher`). */
    interactions(from: string, to: string, f: Filters) {
      const matches = detailMatcher(f)
      const leaves = siteRows.filter((r) => r.type === 'leave' && inRange(r.ts, from, to) && matches(r))
      const clicks = siteRows.filter((r) => r.type === 'click' && inRange(r.ts, from, to) && matches(r))
      const grid = () => Array.from({ length: 10 }, () => new Array<number>(10).fill(0))
      const clickGrid = grid()
      for (const r of clicks) clickGrid[r.cell[1]]![r.cell[0]]! += 1
      const moves = grid()
      for (const r of leaves) r.grid.forEach((n, i) => (moves[Math.floor(i / 10)]![i % 10]! += n))
      return {
        scroll: [...groupBy(leaves, (r) => String(Math.floor(r.scroll / 10) * 10))].map(([depth, rs]) => ({ depth: Number(depth), views: rs.length })).sort((a, b) => a.depth - b.depth),
        clicks: clickGrid,
        moves,
        elements: [...groupBy(clicks, (r) => r.element)].map(([element, rs]) => ({ element, clicks: rs.length })).sort((a, b) => b.clicks - a.clicks || compare(a.element, b.element)).slice(0, 20),
      }
    },
    /** Failed resources and started downloads (`kind` 'download') by page, kind and resource, in the API's order. */
    errors(from: string, to: string, f: Filters, kind?: string) {
      const matches = detailMatcher(f, false)
      const kindOf = (r: Row) => (r.type === 'download' ? 'download' : r.name)
      const rows = siteRows.filter((r) => (r.type === 'error' || r.type === 'download') && inRange(r.ts, from, to) && matches(r) && (kind === undefined || kindOf(r) === kind))
      return [...groupBy(rows, (r) => JSON.stringify([r.path, kindOf(r), r.target]))]
        .map(([key, rs]) => {
          const [page, k, resource] = JSON.parse(key) as string[]
          return { page: page!, kind: k!, resource: resource!, count: rs.length, visitors: distinct(rs) }
        })
        .sort((a, b) => b.count - a.count || compare(a.page, b.page) || compare(a.kind, b.kind) || compare(a.resource, b.resource))
    },
    /** Clicks on tel: links by page and number, in the API's order. */
    calls(from: string, to: string, f: Filters) {
      const matches = detailMatcher(f, false)
      const rows = siteRows.filter((r) => r.type === 'call' && inRange(r.ts, from, to) && matches(r))
      return [...groupBy(rows, (r) => JSON.stringify([r.path, r.target]))]
        .map(([key, rs]) => {
          const [page, number] = JSON.parse(key) as string[]
          return { page: page!, number: number!, calls: rs.length, visitors: distinct(rs) }
        })
        .sort((a, b) => b.calls - a.calls || compare(a.page, b.page) || compare(a.number, b.number))
    },
    /** Custom event properties by value (of one event with an event filter), in the API's order. */
    properties(from: string, to: string, f: Filters) {
      const matches = detailMatcher(withoutEvent(f), false)
      const customs = siteRows.filter((r) => r.type === 'custom' && inRange(r.ts, from, to) && matches(r) && (f.event === undefined || r.name === f.event))
      const values = customs.flatMap((r) => Object.entries(r.props).map(([prop, value]) => ({ visitor: r.visitor, key: JSON.stringify([r.name, prop, value]) })))
      return [...groupBy(values, (x) => x.key)]
        .map(([key, xs]) => {
          const [event, prop, value] = JSON.parse(key) as string[]
          return { event: event!, prop: prop!, value: value!, events: xs.length, visitors: distinct(xs) }
        })
        .sort((a, b) => b.events - a.events || compare(a.event, b.event) || compare(a.prop, b.prop) || compare(a.value, b.value))
    },
    /** Every row of the exits view, in the API's order. */
    exits(from: string, to: string, f: Filters): Record<string, number | string>[] {
      const leaves = siteRows.filter((r) => r.type === 'leave' && inRange(r.ts, from, to) && rowMatches(r, f))
      return [...groupBy(leaves, (r) => JSON.stringify([r.path, r.exit, r.target]))]
        .map(([key, rs]) => {
          const [page, kind, target] = JSON.parse(key) as string[]
          return { page: page!, kind: kind!, target: target!, leaves: rs.length, visitors: distinct(rs), engaged_seconds: rs.reduce((n, r) => n + r.engaged, 0) / rs.length / 1000 }
        })
        .sort((a, b) => b.leaves - a.leaves || compare(a.page, b.page) || compare(a.kind, b.kind) || compare(a.target, b.target))
    },
  }
}

/** The dimensions the pageview rollups hold together (collector/src/stats/dimensions.ts). */
const TRAFFIC_GROUPS = [['country', 'timezone', 'language'], ['page'], ['browser', 'browser_version', 'os', 'os_version', 'device', 'screen']]
const withoutEvent = ({ event: _, ...rest }: Filters): Filters => rest
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0)

function groupBy<T>(xs: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>()
  for (const x of xs) {
    const k = key(x)
    const group = out.get(k)
    if (group) group.push(x)
    else out.set(k, [x])
  }
  return out
}

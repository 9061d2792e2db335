import { TYPE_COLUMNS } from './event-row.ts'
import { countryOf } from './geo.ts'
import { truncateIp, type ClientIp } from './ip.ts'
import { classifyReferrer, parseReferrer, type ParsedReferrer } from './referrer.ts'
import { describeIssues, parseBatch, parseEvent, type WireBatch, type WireEvent } from './schema.ts'
import { scrubText } from './scrub.ts'
import { belongsToSite, cleanUrl, hostOf } from './url.ts'
import { parseUserAgent } from './user-agent.ts'
import { visitorHash } from './visitor.ts'
import type { Site } from '../sites.ts'

/** What the pipeline knows of the request beside its body. The address never leaves this object. */
export interface RequestContext {
  ip: ClientIp | undefined
  /** The address's truncated prefix when the caller has it already (`clientNetwork`); else it is derived here. */
  ipPrefix?: string
  userAgent: string
  /** Origin, or else Referer, of the request, when the browser sent one. */
  origin: string | undefined
  /** The time of receipt; events may carry their own time within `MAX_EVENT_AGE_MS` before it. */
  now: number
}

export interface PipelineDeps {
  site(domain: string): Site | undefined
  saltFor(now: number): Buffer
  ipv4Prefix: number
  ipv6Prefix: number
  /** True for a referrer host on the referrer spam list; such page views are dropped and counted. */
  isSpamReferrer?(host: string): boolean
}

export interface EventError {
  index: number
  error: string
}

/** A reason a request or event was not stored; counted in `tellen.rejections`. */
export type RejectionReason = 'bot' | 'invalid' | 'unknown_site' | 'bad_origin' | 'spam' | 'rate_limited'

export type PipelineResult =
  | {
      ok: true
      site: string
      /** Rows for `tellen.events_in`: JSON arrays in the order of `EVENT_COLUMNS` (event-row.ts). */
      rows: string[]
      errors: EventError[]
      ipPrefix: string
      /** Set when the whole batch was dropped on purpose (a bot), with the events it held. */
      dropped?: { reason: 'bot'; events: number }
      /** Page views dropped because their referrer is on the spam list. */
      spam?: number
    }
  | { ok: false; status: 400 | 403; error: string; reason: RejectionReason; site?: string; ipPrefix: string }

/** Events may be queued in the browser for a while; anything older or from the future is refused. */
export const MAX_EVENT_AGE_MS = 24 * 3_600_000
const MAX_CLOCK_SKEW_MS = 5 * 60_000
const DAY_MS = 86_400_000

const SCREEN_CLASSES: [number, string][] = [[576, 'phone'], [992, 'tablet'], [1440, 'laptop']]
/** A coarse class of the screen width in CSS pixels: phone, tablet, laptop or desktop. */
export function screenClass(width: number | undefined): string {
  if (!width) return ''
  for (const [below, name] of SCREEN_CLASSES) if (width < below) return name
  return 'desktop'
}

function originHost(origin: string | undefined): string | undefined {
  if (!origin || origin === 'null') return undefined
  return hostOf(origin)
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g
/** Replaces lone UTF-16 surrogates (valid in JSON text, refused by ClickHouse) with U+FFFD. */
export const wellFormed = (s: string) => s.replace(LONE_SURROGATE, '\ufffd')
const wellFormedValue = (_key: string, v: unknown) => (typeof v === 'string' ? wellFormed(v) : v)
/**
 * Serialises a row so that ClickHouse can always parse it. JSON.stringify writes a lone surrogate as
 * a `\udXXX` escape (pairs stay raw characters), which ClickHouse refuses; only then is the row
 * serialised again with every string made well-formed.
 */
const json = (v: unknown) => {
  const out = JSON.stringify(v)
  return out.includes('\\ud') ? JSON.stringify(v, wellFormedValue) : out
}

/**
 * The columns of a page, the same for every event on it, as `,value` each: host, path, and the
 * query with its campaign tags.
 */
function pageFields(page: NonNullable<ReturnType<typeof cleanUrl>>): string {
  const p = page.params
  const values = page.query
    ? [page.hostname, page.path, page.query, p.get('utm_source') ?? p.get('ref') ?? '', p.get('utm_medium') ?? '', p.get('utm_campaign') ?? '', p.get('utm_term') ?? '', p.get('utm_content') ?? '']
    : [page.hostname, page.path, '', '', '', '', '', '']
  return `,${json(values).slice(1, -1)}`
}

type TypeColumns = Partial<typeof TYPE_COLUMNS>
const text = (v: string | undefined) => (v ? json(v) : '""')
const num = (v: number | undefined) => (v ? String(v) : '0')
/**
 * The columns that depend on the event's type, as `,value` each in the order of `TYPE_COLUMNS`,
 * empty ones with their empty value. Written by hand: most are empty for any one type.
 */
const typeFields = (t: TypeColumns) =>
  `,${text(t.referrer_host)},${text(t.source)},${text(t.name)},${text(t.target)},${num(t.value)},${num(t.scroll)},${num(t.cell_x)},${num(t.cell_y)},${
    t.grid?.length ? `[${t.grid.join(',')}]` : '[]'},${t.props ? json(t.props) : '{}'}`

/**
 * Turns a batch from the wire into anonymised rows: validates it, drops bots, derives country,
 * truncated prefix and visitor hash from the address, cleans every URL and classifies the referrer.
 * Bad events are reported by index; the good ones of the same batch are kept.
 */
export function processBatch(body: unknown, req: RequestContext, deps: PipelineDeps): PipelineResult {
  const ipPrefix = req.ipPrefix ?? (req.ip ? truncateIp(req.ip, deps.ipv4Prefix, deps.ipv6Prefix) : '')
  const parsed = parseBatch(body)
  if (!parsed.success) {
    // Counted for the site the batch names, when it is registered, so its security view shows it.
    const named = (body as { site?: unknown } | null)?.site
    const site = typeof named === 'string' ? deps.site(named.toLowerCase())?.domain : undefined
    return { ok: false, status: 400, error: describeIssues(parsed.error), reason: 'invalid', ipPrefix, ...(site ? { site } : {}) }
  }
  const batch: WireBatch = parsed.data
  const domain = batch.site.toLowerCase()
  const site = deps.site(domain)
  if (!site) {
    return { ok: false, status: 403, error: `site "${batch.site}" is not registered with this collector`, reason: 'unknown_site', ipPrefix }
  }
  const from = originHost(req.origin)
  if (from !== undefined && !belongsToSite(from, site.domain)) {
    return {
      ok: false, status: 403, reason: 'bad_origin', site: site.domain, ipPrefix,
      error: from ? `origin ${from} does not belong to site ${site.domain}` : 'origin is not a URL',
    }
  }
  const agent = parseUserAgent(req.userAgent)
  if (agent.bot) return { ok: true, site: site.domain, rows: [], errors: [], ipPrefix, dropped: { reason: 'bot', events: batch.events.length } }

  // Columns shared by every event of the batch, serialised once (the visitor is a number in digits).
  // The address prefix column stays empty: beside the visitor code it would narrow the addresses that
  // made the code to a few hundred (sql/070_events_without_prefix.sql).
  const siteColumn = `[${json(site.domain)},`
  const shared = `,${json([
    agent.browser, agent.browserVersion, agent.os, agent.osVersion, agent.device, screenClass(batch.sw),
    batch.tz ?? '', batch.lang ?? '', req.ip ? countryOf(req.ip, ipPrefix) : '',
  ]).slice(1, -1)},""`
  const address = req.ip?.toString()
  /**
   * The shared columns with the visitor code of the UTC day of `ts`: an event sent after midnight
   * from a page open before it (a batch in flight, or kept through an outage) belongs to the
   * visitor of its own day. When that day's salt is not loaded, the salt of the day of receipt.
   */
  const commonOf = (ts: number): string => {
    if (!address) return `${siteColumn}0${shared}`
    let salt: Buffer
    try {
      salt = deps.saltFor(ts)
    } catch {
      salt = deps.saltFor(req.now)
    }
    return `${siteColumn}${visitorHash(salt, site.domain, address, req.userAgent)}${shared}`
  }
  let commonDay = Math.floor(req.now / DAY_MS)
  let common = commonOf(req.now)

  const rows: string[] = []
  const errors: EventError[] = []
  let spam = 0
  const siteDomain = site.domain
  const cleanOptions = { allow: site.queryAllowlist, hashRouting: batch.hash === true }
  // The events of a batch mostly share their page: its URL is cleaned once.
  let lastUrl: string | undefined
  let lastPage: ReturnType<typeof cleanUrl>
  let lastPageFields = ''
  let lastTs = NaN
  let lastIso = ''
  for (let index = 0; index < batch.events.length; index++) {
    // One event that cannot be turned into a row (a case no rule foresaw) is reported by index; the
    // others of the batch are still kept, as for any invalid event.
    try {
      spam += eventRow(index)
    } catch {
      lastUrl = undefined
      errors.push({ index, error: 'the event could not be processed' })
    }
  }
  return { ok: true, site: site.domain, rows, errors, ipPrefix, ...(spam ? { spam } : {}) }

  /** Adds the row of event `index` to `rows`, or its error to `errors`; 1 when it was dropped as spam. */
  function eventRow(index: number): number {
    const e = parseEvent(batch.events[index])
    if (!e.success) {
      errors.push({ index, error: describeIssues(e.error) })
      return 0
    }
    const event: WireEvent = e.data
    // A page view's referrer is parsed once, for the spam list and for the source.
    const referrer = event.type === 'pageview' && event.referrer ? parseReferrer(event.referrer) : undefined
    if (referrer && deps.isSpamReferrer && deps.isSpamReferrer(referrer.hostname)) {
      return 1
    }
    if (event.url !== lastUrl) {
      lastUrl = event.url
      lastPage = cleanUrl(event.url, cleanOptions)
      lastPageFields = lastPage ? pageFields(lastPage) : ''
    }
    const page = lastPage
    if (!page) {
      errors.push({ index, error: 'url is not an http(s) URL' })
      return 0
    }
    if (!belongsToSite(page.hostname, siteDomain)) {
      errors.push({ index, error: `url host ${page.hostname} does not belong to site ${siteDomain}` })
      return 0
    }
    const ts = event.ts ?? req.now
    if (ts < req.now - MAX_EVENT_AGE_MS || ts > req.now + MAX_CLOCK_SKEW_MS) {
      errors.push({ index, error: 'ts is more than 24 hours before receipt or in the future' })
      return 0
    }
    const specific = eventColumns(event, siteDomain, page.params, cleanOptions, referrer)
    if (typeof specific === 'string') {
      errors.push({ index, error: specific })
      return 0
    }
    // Events without a time of their own share the time of receipt, written once.
    if (ts !== lastTs) {
      lastTs = ts
      lastIso = new Date(ts).toISOString()
      const day = Math.floor(ts / DAY_MS)
      if (day !== commonDay) {
        commonDay = day
        common = commonOf(ts)
      }
    }
    // Written by hand from fields serialised once per batch (the shared columns) and per page.
    rows.push(`${common},"${event.type}","${lastIso}"${lastPageFields}${typeFields(specific)}]`)
    return 0
  }
}

/** Columns that depend on the event type, or a sentence saying why the event cannot be stored. */
function eventColumns(
  event: WireEvent,
  site: string,
  params: Map<string, string>,
  cleanOptions: Parameters<typeof cleanUrl>[1],
  referrer: ParsedReferrer | undefined,
): TypeColumns | string {
  switch (event.type) {
    case 'pageview': {
      const ref = classifyReferrer(event.referrer, site, params.get('utm_source') ?? params.get('ref'), referrer)
      return { referrer_host: ref.host, source: ref.source }
    }
    case 'leave': {
      let target = ''
      if (event.target) {
        const u = cleanUrl(event.target, cleanOptions)
        if (!u) return 'target is not an http(s) URL'
        target = event.exit === 'outbound' ? u.hostname : `${u.hostname}${u.path}`
      }
      return { name: event.exit, target, value: event.engaged ?? 0, scroll: event.scroll ?? 0, grid: event.grid ?? [] }
    }
    case 'timing':
      return { name: event.metric, value: event.value }
    case 'error':
    case 'download': {
      const u = cleanUrl(event.resource, cleanOptions)
      if (!u) return 'resource is not an http(s) URL'
      const resource = `${u.hostname}${u.path}`
      return event.type === 'error' ? { name: event.kind, target: resource } : { target: resource }
    }
    // What a page names itself (an element's id, an event's name and properties) is scrubbed as URLs
    // are: a page may put an e-mail address, an order number or a token there.
    case 'click':
      return { target: scrubText(event.el), cell_x: event.cx, cell_y: event.cy }
    case 'call':
      return { target: event.number.replace(/[^+0-9]/g, '') }
    case 'custom': {
      const props: Record<string, string> = Object.create(null)
      for (const [k, v] of Object.entries(event.props ?? {})) props[wellFormed(k)] = scrubText(String(v))
      return { name: scrubText(event.name), props }
    }
  }
}

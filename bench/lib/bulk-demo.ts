/**
 * Generates the demo's traffic inside ClickHouse, for benchmarks at volumes the HTTP pipeline would
 * take hours to load: one `INSERT INTO tellen.events_in SELECT ... FROM numbers(...)` per day, so every
 * materialized view (stored events, rollups, visit events) is fed as in production.
 *
 * The distributions are those of `collector/src/demo/traffic.ts` (its tables are imported): the weekly
 * rhythm and daily curve, skewed pages and sources, the same user agents and places, visits of
 * 1 to 12 page views, and per page view the same event kinds with the same probabilities. Every
 * column that the pipeline derives (browser, OS, device, screen class, country, address prefix,
 * referrer host, source, UTM tags, cleaned targets) is taken from `processBatch` run on one example
 * of each variant, so the generated rows hold exactly the values live traffic would. The random
 * draws come from hashes of the day, visit and event numbers, so a run is reproducible.
 */
import { randomBytes } from 'node:crypto'
import type { Db } from '../../collector/src/db/client.ts'
import {
  DEMO_ELEMENTS, DEMO_EVENTS_PER_VISIT, DEMO_EXITS, DEMO_FAILURES, DEMO_HOURS, DEMO_MAIN_LANG, DEMO_MAIN_TZ, DEMO_OUTBOUND, DEMO_PAGES, DEMO_PLACES,
  DEMO_SOURCES, DEMO_TIMINGS, dayStarts, dayWeights,
} from '../../collector/src/demo/traffic.ts'
import { USER_AGENTS } from '../../collector/src/demo/user-agents.ts'
import { eventRowObject } from '../../collector/src/ingest/event-row.ts'
import { parseIp } from '../../collector/src/ingest/ip.ts'
import { processBatch } from '../../collector/src/ingest/pipeline.ts'

export interface BulkDemoOptions {
  site: string
  days: number
  /** Events to generate, roughly. */
  events: number
  /** The last day of traffic ends at this time (default now). */
  end?: number
  seed?: number
}

type Row = Record<string, string | number | undefined>

/** Runs the real pipeline on one request and returns its rows as objects. */
function pipelineRows(site: string, events: Record<string, unknown>[], o: { ip?: string; ua?: string; sw?: number; tz?: string; lang?: string; now: number }): Row[] {
  const body = { v: 1, site, sw: o.sw ?? 1920, tz: o.tz ?? 'UTC', lang: o.lang ?? 'en-US', events }
  const deps = {
    site: (d: string) => (d === site ? { domain: site, timezone: 'UTC', queryAllowlist: new Set<string>() } : undefined),
    saltFor: () => Buffer.alloc(32),
    ipv4Prefix: 24,
    ipv6Prefix: 48,
  }
  const ua = o.ua ?? USER_AGENTS[0]!.ua
  const result = processBatch(body, { ip: parseIp(o.ip ?? '8.8.8.1'), userAgent: ua, origin: undefined, now: o.now }, deps)
  if (!result.ok || result.errors.length || result.rows.length !== events.length) throw new Error(`bulk demo probe refused: ${JSON.stringify(result)}`)
  return result.rows.map((r) => eventRowObject(r) as Row)
}

const str = (v: unknown) => (v === undefined ? '' : String(v))

/** Cumulative shares of weights, the last exactly 1, for `arrayFirstIndex(c -> r <= c, ...)`. */
function cumulative(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0)
  let sum = 0
  return weights.map((w, i) => (i === weights.length - 1 ? 1 : (sum += w) / total))
}

/** The lookup tables of the generator, with the pipeline's derived columns, as query parameters. */
function tables(site: string, now: number) {
  const url = `https://${site}/`
  const agents = USER_AGENTS.map((a) => pipelineRows(site, [{ type: 'pageview', url, ts: now }], { ua: a.ua, sw: a.width, now })[0]!)
  const places = DEMO_PLACES.map(([p]) => pipelineRows(site, [{ type: 'pageview', url, ts: now }], { ip: `${p.prefix}1`, tz: p.tzs[0], lang: p.langs[0], now })[0]!)
  const locale = (tz: string, lang: string) => pipelineRows(site, [{ type: 'pageview', url, ts: now }], { tz, lang, now })[0]!
  const placeTimezones = DEMO_PLACES.map(([p]) => p.tzs.map((tz) => str(locale(tz, 'en-US').timezone)))
  const placeLanguages = DEMO_PLACES.map(([p]) => p.langs.map((lang) => str(locale('UTC', lang).language)))
  const sources = DEMO_SOURCES.map(([s]) => pipelineRows(site, [{ type: 'pageview', url: `${url}${s.query}`, ts: now, referrer: s.referrer }], { now })[0]!)
  const [internal] = pipelineRows(site, [{ type: 'pageview', url: `${url}pricing`, ts: now, referrer: url }], { now })
  const paths = pipelineRows(site, DEMO_PAGES.map((p) => ({ type: 'pageview', url: `https://${site}${p}`, ts: now })), { now }).map((r) => str(r.path))
  const targets = (events: Record<string, unknown>[]) => pipelineRows(site, events, { now }).map((r) => str(r.target))
  const errorTargets = targets(DEMO_FAILURES.map(([kind, file]) => ({ type: 'error', url, ts: now, kind, resource: `https://${site}/${file}` })))
  const downloadTargets = targets(['whitepaper.pdf', 'tellen-1.0.tar.gz'].map((f) => ({ type: 'download', url, ts: now, resource: `https://${site}/files/${f}` })))
  const callTargets = targets(['+31 20 123 4567', '+1 415 555 0100'].map((number) => ({ type: 'call', url, ts: now, number })))
  const outboundTargets = targets(DEMO_OUTBOUND.map((target) => ({ type: 'leave', url, ts: now, exit: 'outbound', target })))
  const internalTargets = targets(DEMO_PAGES.map((p) => ({ type: 'leave', url, ts: now, exit: 'internal', target: `https://${site}${p}` })))
  return {
    site,
    hostname: str(internal!.hostname),
    paths,
    page_cum: cumulative(DEMO_PAGES.map((_, i) => 1 / (i + 1))),
    hour_cum: cumulative(DEMO_HOURS),
    agent_cum: cumulative(USER_AGENTS.map((a) => a.weight)),
    ...Object.fromEntries(['browser', 'browser_version', 'os', 'os_version', 'device', 'screen'].map((c) => [`agent_${c}`, agents.map((r) => str(r[c]))])),
    place_cum: cumulative(DEMO_PLACES.map(([, w]) => w)),
    place_country: places.map((r) => str(r.country)),
    place_timezones: placeTimezones,
    place_languages: placeLanguages,
    source_cum: cumulative(DEMO_SOURCES.map(([, w]) => w)),
    ...Object.fromEntries(['query', 'referrer_host', 'source', 'utm_source', 'utm_medium', 'utm_campaign'].map((c) => [`source_${c}`, sources.map((r) => str(r[c]))])),
    source_stay: DEMO_SOURCES.map(([x]) => x.stay),
    source_dwell: DEMO_SOURCES.map(([x]) => x.dwell),
    failure_kinds: DEMO_FAILURES.map(([kind]) => kind),
    internal_referrer_host: str(internal!.referrer_host),
    internal_source: str(internal!.source),
    metrics: DEMO_TIMINGS.map(([m]) => m),
    medians: DEMO_TIMINGS.map(([, m]) => m),
    spreads: DEMO_TIMINGS.map(([, , s]) => s),
    exit_cum: cumulative(DEMO_EXITS.map(([, w]) => w)),
    exits: DEMO_EXITS.map(([e]) => e),
    elements: [...DEMO_ELEMENTS],
    error_targets: errorTargets,
    download_targets: downloadTargets,
    call_targets: callTargets,
    outbound_targets: outboundTargets,
    internal_targets: internalTargets,
  }
}

const PARAM_TYPES: Record<string, string> = {
  site: 'String', hostname: 'String', internal_referrer_host: 'String', internal_source: 'String',
  page_cum: 'Array(Float64)', hour_cum: 'Array(Float64)', agent_cum: 'Array(Float64)', place_cum: 'Array(Float64)', source_cum: 'Array(Float64)',
  exit_cum: 'Array(Float64)', medians: 'Array(Float64)', spreads: 'Array(Float64)', source_stay: 'Array(Float64)', source_dwell: 'Array(Float64)',
  place_timezones: 'Array(Array(String))', place_languages: 'Array(Array(String))', main_tz: 'Float64', main_lang: 'Float64',
  day: 'UInt32', visits: 'UInt64', people: 'UInt64', day_start: 'Int64', end: 'Int64', seed: 'UInt64', salt: 'UInt64',
}
const param = (name: string) => `{${name}:${PARAM_TYPES[name] ?? 'Array(String)'}}`

/** A uniform draw in [0, 1) from a hash of an integer expression. */
const u = (expr: string) => `(intHash64(${expr}) / 18446744073709551616.)`
/** The 1-based index of a person's time zone or language (`localeIndex` of the demo, plus one). */
const localePick = (list: string, draw: string, main: string) =>
  `if(length(${list}) = 1 OR ${draw} < ${main}, 1, least(length(${list}), 2 + toUInt32(floor((${draw} - ${main}) / (1 - ${main}) * (length(${list}) - 1)))))`

/** The 1-based index picked by a draw from cumulative shares. */
const pick = (cum: string, r: string) => `arrayFirstIndex(c -> ${r} <= c, ${param(cum)})`

/**
 * One day of traffic: visits (numbers), then their page views (ARRAY JOIN), then the events of each
 * page view (ARRAY JOIN of event slots: 0 pageview, 1-7 timings, 8-10 clicks, 11 error, 12 download,
 * 13 call, 14 custom, 15 leave), each slot kept with the generator's probability.
 */
const INSERT_DAY = `
INSERT INTO tellen.events_in (site, type, ts, visitor, hostname, path, query, referrer_host, source, utm_source, utm_medium, utm_campaign,
  browser, browser_version, os, os_version, device, screen, timezone, language, country, name, value, target, scroll, cell_x, cell_y, grid, props)
SELECT
  ${param('site')} AS site,
  multiIf(s = 0, 'pageview', s < 8, 'timing', s < 11, 'click', s = 11, 'error', s = 12, 'download', s = 13, 'call', s = 14, 'custom', 'leave') AS type,
  fromUnixTimestamp64Milli(toInt64(t + multiIf(s = 0, 0, s < 8, 800, s < 11, 3000 + (s - 8) * 2000, s = 11, 900, s = 12, 5000, s = 13, 6000, s = 14, 7000, dwell)), 'UTC') AS ts,
  visitor,
  ${param('hostname')} AS hostname,
  ${param('paths')}[page] AS path,
  if(p = 0, ${param('source_query')}[src], '') AS query,
  multiIf(s != 0, '', p = 0, ${param('source_referrer_host')}[src], ${param('internal_referrer_host')}) AS referrer_host,
  multiIf(s != 0, '', p = 0, ${param('source_source')}[src], ${param('internal_source')}) AS source,
  if(p = 0, ${param('source_utm_source')}[src], '') AS utm_source,
  if(p = 0, ${param('source_utm_medium')}[src], '') AS utm_medium,
  if(p = 0, ${param('source_utm_campaign')}[src], '') AS utm_campaign,
  ${param('agent_browser')}[ag] AS browser, ${param('agent_browser_version')}[ag] AS browser_version,
  ${param('agent_os')}[ag] AS os, ${param('agent_os_version')}[ag] AS os_version,
  ${param('agent_device')}[ag] AS device, ${param('agent_screen')}[ag] AS screen,
  ${param('place_timezones')}[pl][${localePick(`${param('place_timezones')}[pl]`, '((person * 6007) % 1009) / 1009', param('main_tz'))}] AS timezone,
  ${param('place_languages')}[pl][${localePick(`${param('place_languages')}[pl]`, '((person * 7727) % 1013) / 1013', param('main_lang'))}] AS language,
  ${param('place_country')}[pl] AS country,
  multiIf(
    s BETWEEN 1 AND 7, ${param('metrics')}[s],
    s = 11, ${param('failure_kinds')}[if(${u('hp + 31')} < 0.5, 1, 2)],
    s = 14, if(${u('hp + 40')} < 0.6, 'signup', 'trial'),
    s = 15, exit_kind,
    '') AS name,
  multiIf(
    s BETWEEN 1 AND 7, greatest(0, round((${param('medians')}[s] + (${u('hp + 100 + s')} + ${u('hp + 110 + s')} + ${u('hp + 120 + s')} - 1.5) * ${param('spreads')}[s] * 1.4) * 1000) / 1000),
    s = 15, toFloat64(intDiv(dwell * 7, 10)),
    0) AS value,
  multiIf(
    s BETWEEN 8 AND 10, ${param('elements')}[1 + toUInt32(floor(${u('hp + 130 + s')} * ${u('hp + 140 + s')} * 8))],
    s = 11, ${param('error_targets')}[if(${u('hp + 31')} < 0.5, 1, 2)],
    s = 12, ${param('download_targets')}[if(${u('hp + 32')} < 0.7, 1, 2)],
    s = 13, ${param('call_targets')}[if(${u('hp + 33')} < 0.7, 1, 2)],
    s = 15 AND exit_kind = 'internal', ${param('internal_targets')}[next_page],
    s = 15 AND exit_kind = 'outbound', ${param('outbound_targets')}[1 + toUInt32(floor(${u('hp + 34')} * 4))],
    '') AS target,
  if(s = 15, toUInt8(if(${u('hp + 36')} < 0.15, 100, least(100, floor((${u('hp + 35')} + ${u('hp + 37')} + ${u('hp + 38')}) / 3 * 110)))), 0) AS scroll,
  if(s BETWEEN 8 AND 10, toUInt8(least(9, floor((${u('hp + 150 + s')} + ${u('hp + 160 + s')}) * 5))), 0) AS cell_x,
  if(s BETWEEN 8 AND 10, toUInt8(floor(${u('hp + 170 + s')} * ${u('hp + 180 + s')} * 10)), 0) AS cell_y,
  if(s = 15, arrayMap(i -> toUInt32(floor(${u('hp + 1000 + i')} * 8 * exp(-pow((i % 10) - 4.5, 2) / 10) * exp(-intDiv(i, 10) / 3.5))), range(100)), []) AS grid,
  if(s = 14, map('plan', if(${u('hp + 41')} < 0.7, 'free', 'pro'), 'from', ${param('paths')}[page]), map()) AS props
FROM
(
  SELECT *, p,
    intHash64(hv + (p + 1) * 1000003) AS hp,
    starts[p + 1] AS t,
    dwells[p + 1] AS dwell,
    pages[p + 1] AS page,
    pages[p + 2] AS next_page,
    if(p = pv - 1, ${param('exits')}[${pick('exit_cum', u('hv + 7'))}], 'internal') AS exit_kind,
    arrayConcat(
      [0],
      arrayFilter(m -> ${u('hp + m')} < 0.6, range(1, 8)),
      range(8, 8 + toUInt32(floor(${u('hp + 20')} * ${u('hp + 21')} * 4))),
      if(${u('hp + 11')} < 0.04, [11], []),
      if(${u('hp + 12')} < 0.05, [12], []),
      if(${u('hp + 13')} < 0.015, [13], []),
      if(${u('hp + 14')} < 0.06, [14], []),
      [15]) AS slots
  FROM
  (
    SELECT *,
      arrayMap(i -> ${pick('page_cum', u('hv + 100 + i'))}, range(pv + 1)) AS pages,
      arrayMap(i -> toInt64(8000 + floor(${u('hv + 200 + i')} * ${u('hv + 300 + i')} * 240000 * ${param('source_dwell')}[src])), range(pv)) AS dwells,
      arrayMap((c, w) -> start + c - w - 1000, arrayCumSum(arrayMap(w -> w + 1000, dwells)), dwells) AS starts
    FROM
    (
      SELECT
        cityHash64(${param('seed')}, ${param('day')}, number) AS hv,
        toUInt64(floor(${u('hv + 1')} * ${param('people')})) AS person,
        ${pick('place_cum', '((person * 7919) % 1000) / 1000')} AS pl,
        ${pick('agent_cum', '((person * 104729) % 997) / 997')} AS ag,
        cityHash64(${param('salt')}, pl, person % 250, ag) AS visitor,
        ${param('day_start')} + (${pick('hour_cum', u('hv + 2'))} - 1) * 3600000 + toInt64(floor(${u('hv + 3')} * 3600000)) AS start,
        ${pick('source_cum', u('hv + 4'))} AS src,
        toUInt32(least(12, 1 + floor(log(1 - ${u('hv + 5')}) / log(${param('source_stay')}[src])))) AS pv
      FROM numbers(${param('visits')})
    )
    WHERE start < ${param('end')} - 3600000
  )
  ARRAY JOIN range(pv) AS p
)
ARRAY JOIN slots AS s`

export interface BulkDemoResult {
  /** Visits requested over all days (before the last hour before `end` is cut off). */
  visits: number
}

/**
 * Inserts the demo's traffic for `o.days` days ending at `o.end`, one statement per day, each with its
 * own deduplication token (a replayed day is not counted twice). Returns when every day is written.
 */
export async function loadBulkDemo(db: Db, o: BulkDemoOptions, onDay: (day: number, days: number) => void = () => {}): Promise<BulkDemoResult> {
  const end = o.end ?? Date.now()
  const seed = o.seed ?? 1
  const weights = dayWeights(o.days, end)
  const { first } = weights
  const visits = Math.max(1, Math.round(o.events / DEMO_EVENTS_PER_VISIT))
  const fixed = tables(o.site, end)
  let total = 0
  for (let d = 0; d < o.days; d++) {
    const n = dayStarts(visits, weights, d)
    total += n
    await db.command({
      query: INSERT_DAY,
      query_params: {
        ...fixed,
        day: first + d,
        visits: n,
        people: Math.max(1, Math.floor(n * 0.8)),
        day_start: (first + d) * 86_400_000,
        end,
        seed,
        // A fresh salt per day, as the collector's daily salts: hashes do not carry across midnight.
        salt: randomBytes(6).readUIntBE(0, 6),
        main_tz: DEMO_MAIN_TZ,
        main_lang: DEMO_MAIN_LANG,
      },
      clickhouse_settings: {
        insert_deduplication_token: `bulk-demo-${o.site}-${seed}-${end}-${first + d}`,
        deduplicate_blocks_in_dependent_materialized_views: 1,
      },
    })
    onDay(d + 1, o.days)
  }
  return { visits: total }
}

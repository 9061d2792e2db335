import type { KindColumns } from '../kinds.ts'
import type { WireBatch } from '../schema.ts'
import type { CleanUrl } from '../url.ts'
import type { Agent } from '../user-agent.ts'
import { wellFormed } from '../well-formed.ts'
import type { Anonymised } from './anonymise.ts'
import type { EnrichedEvent } from './enrich.ts'

const DAY_MS = 86_400_000

const SCREEN_CLASSES: [number, string][] = [[576, 'phone'], [992, 'tablet'], [1440, 'laptop']]
/**
 * A coarse class of the screen width in CSS pixels: phone, tablet, laptop or desktop.
 * @example
 * screenClass(1280) // 'laptop'
 */
export function screenClass(width: number | undefined): string {
  if (!width) return ''
  for (const [below, name] of SCREEN_CLASSES) if (width < below) return name
  return 'desktop'
}

const wellFormedValue = (_key: string, v: unknown) => (typeof v === 'string' ? wellFormed(v) : v)
/**
 * Serialises a value so that ClickHouse can always parse it. JSON.stringify writes a lone surrogate
 * as a `\udXXX` escape (pairs stay raw characters), which ClickHouse refuses; only then is the
 * value serialised again with every string made well-formed.
 */
const json = (v: unknown) => {
  const out = JSON.stringify(v)
  return out.includes('\\ud') ? JSON.stringify(v, wellFormedValue) : out
}

/**
 * The columns of a page, the same for every event on it, as `,value` each: host, path, and the
 * query with its campaign tags.
 */
function pageFields(page: CleanUrl): string {
  const p = page.params
  const values = page.query
    ? [page.hostname, page.path, page.query, p.get('utm_source') ?? p.get('ref') ?? '', p.get('utm_medium') ?? '', p.get('utm_campaign') ?? '', p.get('utm_term') ?? '', p.get('utm_content') ?? '']
    : [page.hostname, page.path, '', '', '', '', '', '']
  return `,${json(values).slice(1, -1)}`
}

const text = (v: string | undefined) => (v ? json(v) : '""')
const num = (v: number | undefined) => (v ? String(v) : '0')
/**
 * The columns that depend on the event's kind, as `,value` each in the order of `TYPE_COLUMNS`,
 * empty ones with their empty value. Written by hand: most are empty for any one kind.
 */
const kindFields = (t: KindColumns) =>
  `,${text(t.referrer_host)},${text(t.source)},${text(t.name)},${text(t.target)},${num(t.value)},${num(t.scroll)},${num(t.cell_x)},${num(t.cell_y)},${
    t.grid?.length ? `[${t.grid.join(',')}]` : '[]'},${t.props ? json(t.props) : '{}'}`

/** The columns shared by every event of a batch on one UTC day: the site, that day's visitor code, then the rest. */
const commonColumns = (siteColumn: string, visitor: string, shared: string) => `${siteColumn}${visitor}${shared}`

/**
 * Makes the last step before the writer: turns each enriched event of a batch into its row for
 * `tellen.events_in`, a JSON array in the order of `EVENT_COLUMNS` (event-row.ts). Rows are written
 * by hand from parts serialised once: the columns shared by every event of the batch once per
 * batch (and visitor code per UTC day), those of a page once per page, the time once per timestamp.
 * The address prefix column stays empty: beside the visitor code it would narrow the addresses that
 * made the code to a few hundred (sql/070_events_without_prefix.sql).
 * @example
 * const encode = rowEncoder(batch, 'example.com', agent, anonymised, Date.now())
 * encode(enriched) // '["example.com",1234…,"Chrome",…]'
 */
export function rowEncoder(batch: WireBatch, site: string, agent: Agent, anonymised: Anonymised, now: number): (event: EnrichedEvent) => string {
  const siteColumn = `[${json(site)},`
  const shared = `,${json([
    agent.browser, agent.browserVersion, agent.os, agent.osVersion, agent.device, screenClass(batch.sw),
    batch.tz ?? '', batch.lang ?? '', anonymised.country,
  ]).slice(1, -1)},""`
  let commonDay = Math.floor(now / DAY_MS)
  let common = commonColumns(siteColumn, anonymised.visitorOn(now), shared)
  let lastTs = NaN
  let lastIso = ''
  let lastPage: CleanUrl | undefined
  let lastPageFields = ''

  return (event) => {
    if (event.page !== lastPage) {
      lastPageFields = pageFields(event.page)
      lastPage = event.page
    }
    // Events without a time of their own share the time of receipt, written once.
    if (event.ts !== lastTs) {
      const day = Math.floor(event.ts / DAY_MS)
      if (day !== commonDay) {
        common = commonColumns(siteColumn, anonymised.visitorOn(event.ts), shared)
        commonDay = day
      }
      lastIso = new Date(event.ts).toISOString()
      lastTs = event.ts
    }
    return `${common},"${event.type}","${lastIso}"${lastPageFields}${kindFields(event.columns)}]`
  }
}

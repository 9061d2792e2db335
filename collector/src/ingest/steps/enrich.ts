import { Drop } from '../drop.ts'
import { kindColumns, type KindColumns, type KindContext } from '../kinds.ts'
import { parseReferrer } from '../referrer.ts'
import { describeIssues, parseEvent, type WireBatch } from '../schema.ts'
import { belongsToSite, cleanUrl, type CleanUrl } from '../url.ts'
import type { EventType } from '../../protocol.ts'
import type { Site } from '../../sites.ts'

/** Events may be queued in the browser for a while; anything older or from the future is refused. */
export const MAX_EVENT_AGE_MS = 24 * 3_600_000
const MAX_CLOCK_SKEW_MS = 5 * 60_000

/** A valid event of the batch with what is stored of it: its time, its cleaned page and its kind's columns. */
export interface EnrichedEvent {
  type: EventType
  ts: number
  /** The random number the client gave the event, which steps/once.ts remembers; never stored. */
  id?: number
  page: CleanUrl
  columns: KindColumns
  /** Parts of the event that are not stored (a property whose key is not an identifier), each a sentence naming it. */
  leftOut?: string[]
}

export interface EnrichDeps {
  /** True for a referrer host on the referrer spam list; such page views are dropped and counted. */
  isSpamReferrer?(host: string): boolean
}

/** The drop of one invalid event of a batch: 202, the rest of the batch is kept. */
const invalid = (error: string, site: Site) => new Drop('invalid', error, { status: 202, site: site.domain })

/**
 * Makes the step that checks one event of `batch` and cleans what is kept of it: the page's URL
 * (query parameters kept only when allowlisted), its time (within a day before `now`), and its
 * kind's columns (referrer and source, targets, scrubbed names). An event that cannot be stored is
 * a drop of one event (202: the rest of the batch is kept), spam or invalid with the reason.
 * The events of a batch mostly share their page: its URL is cleaned once.
 * @example
 * const enrich = eventEnricher(batch, site, Date.now(), { isSpamReferrer })
 * const e = enrich(batch.events[0]) // EnrichedEvent or Drop
 */
export function eventEnricher(batch: WireBatch, site: Site, now: number, deps: EnrichDeps): (raw: unknown) => EnrichedEvent | Drop {
  const cleanOptions = { allow: site.queryAllowlist, hashRouting: batch.hash === true }
  let lastUrl: string | undefined
  let lastPage: CleanUrl | undefined

  return (raw) => {
    const parsed = parseEvent(raw)
    if (!parsed.success) return invalid(describeIssues(parsed.error), site)
    const event = parsed.data
    // A page view's referrer is parsed once, for the spam list and for the source.
    const referrer = event.type === 'pageview' && event.referrer ? parseReferrer(event.referrer) : undefined
    if (referrer && deps.isSpamReferrer && deps.isSpamReferrer(referrer.hostname)) {
      return new Drop('spam', 'the referrer is on the referrer spam list', { status: 202, site: site.domain })
    }
    if (event.url !== lastUrl) {
      // Remembered only once cleaned, so that a URL whose cleaning threw is not taken as cleaned.
      const page = cleanUrl(event.url, cleanOptions)
      lastUrl = event.url
      lastPage = page
    }
    const page = lastPage
    if (!page) return invalid('url is not an http(s) URL', site)
    if (!belongsToSite(page.hostname, site.domain)) return invalid(`url host ${page.hostname} does not belong to site ${site.domain}`, site)
    const ts = event.ts ?? now
    if (ts < now - MAX_EVENT_AGE_MS || ts > now + MAX_CLOCK_SKEW_MS) return invalid('ts is more than 24 hours before receipt or in the future', site)
    const context: KindContext = { site: site.domain, params: page.params, cleanOptions, referrer }
    const columns = kindColumns(event, context)
    if (typeof columns === 'string') return invalid(columns, site)
    return { type: event.type, ts, id: event.id, page, columns, leftOut: context.leftOut }
  }
}

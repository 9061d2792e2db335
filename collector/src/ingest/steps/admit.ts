import { Drop } from '../drop.ts'
import type { WireBatch } from '../schema.ts'
import { belongsToSite, hostOf } from '../url.ts'
import type { Site } from '../../sites.ts'

/** Looks up a registered site by its domain. */
export type SiteLookup = (domain: string) => Site | undefined

/**
 * The registered site a body names in its `site` field, before the body is validated (for the rate
 * limit, opt-out counts and the security view); undefined when it names none that is registered.
 */
export function namedSite(body: unknown, site: SiteLookup): Site | undefined {
  const named = (body as { site?: unknown } | null)?.site
  return typeof named === 'string' ? site(named.toLowerCase()) : undefined
}

/** The host of an Origin (or Referer) header; undefined when the browser sent none or `null`. */
function originHost(origin: string | undefined): string | undefined {
  if (!origin || origin === 'null') return undefined
  return hostOf(origin)
}

/**
 * Why a request from `origin` may not send events for `site`, or undefined when it may: a request
 * without an origin may (a server, or a browser that sent none); one from a page of another host,
 * or with an origin that is not a URL, may not.
 */
export function originRefusal(origin: string | undefined, site: string): string | undefined {
  const from = originHost(origin)
  if (from === undefined || belongsToSite(from, site)) return undefined
  return from ? `origin ${from} does not belong to site ${site}` : 'origin is not a URL'
}

/**
 * Admits a valid batch: its site must be registered and the request must come from one of its pages.
 * @example
 * admit(batch, 'https://evil.example.net', lookup) // Drop bad_origin, 403
 */
export function admit(batch: WireBatch, origin: string | undefined, site: SiteLookup): Site | Drop {
  const registered = site(batch.site.toLowerCase())
  if (!registered) return new Drop('unknown_site', `site "${batch.site}" is not registered with this collector`)
  const refusal = originRefusal(origin, registered.domain)
  return refusal ? new Drop('bad_origin', refusal, { site: registered.domain }) : registered
}

import { Drop } from '../drop.ts'
import type { RateLimits } from '../rate-limit.ts'
import type { OptOutSignal } from '../../privacy/opt-out.ts'
import { namedSite, originRefusal, type SiteLookup } from './admit.ts'

export interface ConsentDeps {
  site: SiteLookup
  rateLimits: RateLimits
  /** Adds one to the site's count of requests not tracked in the hour of `now`. */
  countOptOut(site: string, now: number): void
}

/**
 * Honours Do Not Track and Global Privacy Control: a request that carries either is not tracked,
 * and nothing of it is kept but one count for the site and hour. The count is taken only under the
 * checks a tracked request passes (a registered site, a page of its own, within the rate limits),
 * so a flood cannot inflate it; the answer is the same whether it was counted or not.
 * @example
 * await consent('dnt', text, origin, ipPrefix, Date.now(), deps) // Drop opted_out, 202
 * await consent(undefined, text, origin, ipPrefix, Date.now(), deps) // undefined: the request is tracked
 */
export async function consent(
  signal: OptOutSignal | undefined,
  text: string,
  origin: string | undefined,
  ipPrefix: string,
  now: number,
  deps: ConsentDeps,
): Promise<Drop | undefined> {
  if (!signal) return undefined
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    body = undefined
  }
  const site = namedSite(body, deps.site)
  if (site && originRefusal(origin, site.domain) === undefined && (await deps.rateLimits.check(ipPrefix, site.domain)).ok) {
    deps.countOptOut(site.domain, now)
  }
  return new Drop('opted_out', 'the visitor asked not to be tracked', { signal, events: 0, site: site?.domain })
}

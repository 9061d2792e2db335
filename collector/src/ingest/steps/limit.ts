import { Drop } from '../drop.ts'
import type { RateLimits } from '../rate-limit.ts'
import { namedSite, type SiteLookup } from './admit.ts'

/**
 * Counts the request against the limits of its network and of the registered site it names;
 * refuses it with a 429 and the time to wait when it is over one.
 * @example
 * await limit(body, '203.0.113.0/24', { site: lookup, rateLimits }) // undefined within the limits
 */
export async function limit(body: unknown, ipPrefix: string, deps: { site: SiteLookup; rateLimits: RateLimits }): Promise<Drop | undefined> {
  const known = namedSite(body, deps.site)?.domain
  const limited = await deps.rateLimits.check(ipPrefix, known)
  if (limited.ok) return undefined
  const who = limited.scope === 'prefix' ? 'from your network' : `for site ${known}`
  return new Drop('rate_limited', `too many requests ${who}; retry in ${limited.retryAfterSeconds} s`, { site: known, retryAfterSeconds: limited.retryAfterSeconds })
}

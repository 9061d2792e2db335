import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible'

export interface RateLimits {
  /**
   * Counts one request from a truncated client prefix to a site; says which limit it exceeds and
   * when to come back. The site key is taken only for registered sites, so unknown names cannot
   * grow the table.
   */
  check(ipPrefix: string, site: string | undefined): Promise<{ ok: true } | { ok: false; scope: 'prefix' | 'site'; retryAfterSeconds: number }>
}

/**
 * Per-minute request limits per truncated client prefix and per site (0 turns one off), on
 * rate-limiter-flexible's in-memory fixed windows.
 * @example
 * const limits = createRateLimits({ perPrefix: 600, perSite: 60_000 })
 * const r = await limits.check('203.0.113.0/24', 'example.com') // { ok: true }
 */
export function createRateLimits(options: { perPrefix: number; perSite: number }): RateLimits {
  const limiter = (points: number, keyPrefix: string) => (points > 0 ? new RateLimiterMemory({ points, duration: 60, keyPrefix }) : undefined)
  const prefixes = limiter(options.perPrefix, 'prefix')
  const sites = limiter(options.perSite, 'site')
  const take = async (l: RateLimiterMemory | undefined, key: string) => {
    if (!l) return undefined
    try {
      await l.consume(key)
      return undefined
    } catch (res) {
      if (res instanceof RateLimiterRes) return Math.max(1, Math.ceil(res.msBeforeNext / 1000))
      throw res
    }
  }
  return {
    async check(ipPrefix, site) {
      const byPrefix = await take(prefixes, ipPrefix)
      if (byPrefix !== undefined) return { ok: false, scope: 'prefix', retryAfterSeconds: byPrefix }
      const bySite = site === undefined ? undefined : await take(sites, site)
      if (bySite !== undefined) return { ok: false, scope: 'site', retryAfterSeconds: bySite }
      return { ok: true }
    },
  }
}

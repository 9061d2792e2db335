import { countryOf } from '../geo.ts'
import type { ClientIp } from '../ip.ts'
import { visitorHash } from '../visitor.ts'

/** What is kept of the address and user agent: the country, and the visitor code of a day. */
export interface Anonymised {
  /** ISO country code of the address, or empty. */
  country: string
  /** The visitor code (64 bits, in digits) of the UTC day of `ts`; `0` when the address is unknown. */
  visitorOn(ts: number): string
}

export interface AnonymiseDeps {
  saltFor(now: number): Buffer
}

/**
 * The last step that sees the address: everything stored of it is derived here, and the address
 * itself goes no further. The visitor code is keyed with the salt of the event's own UTC day (an
 * event sent after midnight from a page open before it belongs to the visitor of its day), never
 * with another day's.
 * @example
 * const a = anonymise({ ip, userAgent, now }, '203.0.113.0/24', 'example.com', { saltFor })
 * a.visitorOn(now) // '1234567890123456789'
 */
export function anonymise(
  req: { ip: ClientIp | undefined; userAgent: string; now: number },
  ipPrefix: string,
  site: string,
  deps: AnonymiseDeps,
): Anonymised {
  const address = req.ip?.toString()
  const country = req.ip ? countryOf(req.ip, ipPrefix) : ''
  return {
    country,
    visitorOn(ts) {
      if (!address) return '0'
      // Never another day's salt: that would link the visitor's days. Events are at most a day old,
      // and the salt store makes a salt for any day from yesterday to tomorrow that has none.
      return visitorHash(deps.saltFor(ts), site, address, req.userAgent)
    },
  }
}

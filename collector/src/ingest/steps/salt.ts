import { Drop, UNAVAILABLE_RETRY_SECONDS } from '../drop.ts'

/**
 * Refuses the request when today's salt was never read (ClickHouse was away across more than a
 * day): no visitor code can be made, so nothing of the request is kept, not even a count with its
 * prefix. The drop counts the events the body holds.
 * @example
 * requireSalt(body, Date.now(), salts.ready) // undefined once the salt is loaded
 */
export function requireSalt(body: unknown, now: number, ready: (now: number) => boolean): Drop | undefined {
  if (ready(now)) return undefined
  const events = (body as { events?: unknown } | null)?.events
  return new Drop('no_salt', 'the collector cannot take events right now (it cannot read its daily salt from ClickHouse); retry later', {
    events: Array.isArray(events) ? events.length : 1,
    retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS,
  })
}

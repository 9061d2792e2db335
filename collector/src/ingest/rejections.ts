import type { BatchWriter } from './writer.ts'
import { utcDay } from './visitor.ts'

/**
 * Counts requests or events that were not stored as visits, by site, day, reason and truncated
 * prefix. Counting never fails a request: when the writer is full the count is dropped.
 */
export function countRejection(writer: BatchWriter, site: string, reason: string, ipPrefix: string, count = 1, now = Date.now()): void {
  writer
    .write([JSON.stringify({ site, day: utcDay(now), reason, ip_prefix: ipPrefix, count })])
    .catch(() => undefined)
}

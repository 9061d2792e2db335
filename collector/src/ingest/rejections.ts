import type { BatchWriter } from './writer.ts'
import { utcDay } from './visitor.ts'

/**
 * The writer of `tellen.rejections` with the counts of requests or events that were not stored as
 * visits, by site, UTC day, reason and truncated prefix. Counts are summed in memory and written as
 * one row per key every `flushMs`, so a flood of refused requests (a client over its rate limit,
 * garbage bodies) costs a map update each, not a spooled row each.
 */
export interface RejectionWriter extends BatchWriter {
  /** Adds `count` to the key's count. Never fails a request: counts the spool cannot take are dropped. */
  count(site: string, reason: string, ipPrefix: string, count?: number, now?: number): void
}

export interface RejectionOptions {
  /** How long counts are summed before they are written. */
  flushMs: number
  /** Keys held at most; when a new key would exceed it, the counts held are written at once. */
  maxKeys?: number
}

/**
 * @example
 * const rejections = createRejectionWriter(createBatchWriter(db, 'tellen.rejections', options, log), { flushMs: 1000 })
 * rejections.count('example.com', 'rate_limited', '203.0.113.0/24')
 */
export function createRejectionWriter(writer: BatchWriter, options: RejectionOptions): RejectionWriter {
  const maxKeys = options.maxKeys ?? 10_000
  let counts = new Map<string, { site: string; day: string; reason: string; ip_prefix: string; count: number }>()

  /** Hands the counts held to the writer; resolves once they are in its spool (or were dropped). */
  const writeCounts = async (): Promise<void> => {
    if (!counts.size) return
    const rows = [...counts.values()].map((r) => JSON.stringify(r))
    counts = new Map()
    await writer.write(rows).catch(() => undefined)
  }
  const timer = setInterval(() => void writeCounts(), options.flushMs)
  timer.unref()

  return {
    table: writer.table,
    count(site, reason, ipPrefix, count = 1, now = Date.now()) {
      const day = utcDay(now)
      const key = `${site}\0${day}\0${reason}\0${ipPrefix}`
      const held = counts.get(key)
      if (held) {
        held.count += count
        return
      }
      if (counts.size >= maxKeys) void writeCounts()
      counts.set(key, { site, day, reason, ip_prefix: ipPrefix, count })
    },
    write: (lines) => writer.write(lines),
    async flush() {
      await writeCounts()
      await writer.flush()
    },
    async close(timeoutMs) {
      clearInterval(timer)
      await writeCounts()
      await writer.close(timeoutMs)
    },
    stats: () => writer.stats(),
  }
}

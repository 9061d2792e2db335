import type { BatchWriter } from './writer.ts'

/**
 * The writer of a table of counts (`tellen.rejections`, `tellen.rollup_honoured`, both
 * SummingMergeTrees). Counts are summed in memory by their key columns and written as one row per
 * key every `flushMs`, so a flood of requests that are only counted (refused ones, or ones that
 * asked not to be tracked) costs a map update each, not a spooled row each.
 */
export interface CountingWriter extends BatchWriter {
  /**
   * Adds `n` to the count of the row with these key columns (every value a string). Never fails a
   * request: counts the spool cannot take are dropped.
   */
  add(key: Readonly<Record<string, string>>, n?: number): void
}

export interface CountingOptions {
  /** The column that holds the count. */
  column: string
  /** How long counts are summed before they are written. */
  flushMs: number
  /** Keys held at most; when a new key would exceed it, the counts held are written at once. */
  maxKeys?: number
}

/**
 * @example
 * const rejections = createCountingWriter(createBatchWriter(db, 'tellen.rejections', options, log), { column: 'count', flushMs: 1000 })
 * rejections.add({ site: 'example.com', day: '2026-11-26', reason: 'rate_limited', ip_prefix: '203.0.113.0/24' })
 */
export function createCountingWriter(writer: BatchWriter, options: CountingOptions): CountingWriter {
  const maxKeys = options.maxKeys ?? 10_000
  let counts = new Map<string, Record<string, string | number>>()

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
    add(key, n = 1) {
      const id = JSON.stringify(key)
      const held = counts.get(id)
      if (held) {
        ;(held[options.column] as number) += n
        return
      }
      if (counts.size >= maxKeys) void writeCounts()
      counts.set(id, { ...key, [options.column]: n })
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

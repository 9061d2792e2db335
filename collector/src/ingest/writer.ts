import { randomUUID } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Db } from '../db/client.ts'
import type { Logger } from '../log.ts'

export interface WriterOptions {
  /** Rows per insert at most; the embedded engine keeps the event loop free up to about 10k. */
  batchRows: number
  /** A partial batch is written after this long. */
  flushIntervalMs: number
  /** Rows held (buffered or waiting for a retry) before `write` refuses more. */
  maxPendingRows?: number
}

export interface WriterStats {
  rowsWritten: number
  batchesWritten: number
  insertErrors: number
  pendingRows: number
  /** Whether the last insert failed and batches are waiting for ClickHouse. */
  failing: boolean
}

/** Raised by `write` when the writer holds as much as it may; the request should be retried later. */
export class WriterFullError extends Error {
  override name = 'WriterFullError'
}

/**
 * Buffers JSONEachRow lines for one table and inserts them in batches, one insert at a time, each
 * with its own deduplication token so that a retried batch is never counted twice.
 */
export interface BatchWriter {
  readonly table: string
  write(lines: readonly string[]): Promise<void>
  /** Writes everything buffered now. */
  flush(): Promise<void>
  /** Stops the timer and writes what is left, giving up after `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>
  stats(): WriterStats
}

interface Batch {
  lines: string[]
  token: string
}

/** Insert settings that make a retried batch a no-op in the table and in every rollup fed from it. */
export const dedupSettings = (token: string) => ({
  insert_deduplication_token: token,
  deduplicate_blocks_in_dependent_materialized_views: 1 as const,
})

/** Inserts JSONEachRow lines into `table` with a deduplication token. */
export async function insertLines(db: Db, table: string, lines: readonly string[], token: string): Promise<void> {
  const result = await db.exec({
    query: `INSERT INTO ${table} FORMAT JSONEachRow`,
    values: Readable.from([lines.join('\n')]),
    clickhouse_settings: dedupSettings(token),
  })
  result.stream.resume()
}

/**
 * @example
 * const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 10_000, flushIntervalMs: 1000 }, log)
 * await writer.write(rows)
 */
export function createBatchWriter(db: Db, table: string, options: WriterOptions, log: Logger): BatchWriter {
  const maxPending = options.maxPendingRows ?? options.batchRows * 50
  let buffer: string[] = []
  const queue: Batch[] = []
  let queuedRows = 0
  let running: Promise<void> | undefined
  let retryDelay = 0
  let closed = false
  const stats = { rowsWritten: 0, batchesWritten: 0, insertErrors: 0, failing: false }

  const seal = () => {
    while (buffer.length) {
      const lines = buffer.splice(0, options.batchRows)
      queue.push({ lines, token: randomUUID() })
      queuedRows += lines.length
    }
  }

  async function drain(): Promise<void> {
    for (;;) {
      if (!queue.length && buffer.length >= options.batchRows) seal()
      const batch = queue[0]
      if (!batch) return
      try {
        await insertLines(db, table, batch.lines, batch.token)
        queue.shift()
        queuedRows -= batch.lines.length
        stats.rowsWritten += batch.lines.length
        stats.batchesWritten++
        stats.failing = false
        retryDelay = 0
      } catch (err) {
        stats.insertErrors++
        stats.failing = true
        retryDelay = Math.min(10_000, Math.max(100, retryDelay * 2))
        log.error({ table, rows: batch.lines.length, err: (err as Error).message, retryInMs: retryDelay }, 'insert failed')
        if (closed) throw err
        await new Promise((r) => setTimeout(r, retryDelay))
      }
    }
  }

  const kick = (): Promise<void> => {
    seal()
    running ??= drain().finally(() => {
      running = undefined
    })
    return running
  }

  const timer = setInterval(() => {
    if (buffer.length && !running) void kick().catch(() => undefined)
  }, options.flushIntervalMs)
  timer.unref()

  return {
    table,
    async write(lines) {
      if (closed) throw new WriterFullError('the collector is shutting down')
      if (buffer.length + queuedRows + lines.length > maxPending) {
        throw new WriterFullError(`${buffer.length + queuedRows} rows are waiting to be written`)
      }
      for (const line of lines) buffer.push(line)
      if (buffer.length >= options.batchRows && !running) void kick().catch(() => undefined)
    },
    async flush() {
      while (buffer.length || queue.length) await kick()
    },
    async close(timeoutMs = 10_000) {
      closed = true
      clearInterval(timer)
      const done = (async () => {
        if (running) await running.catch(() => undefined)
        while (buffer.length || queue.length) await kick()
      })()
      let timeout: NodeJS.Timeout | undefined
      await Promise.race([
        done,
        new Promise<void>((_, reject) => {
          timeout = setTimeout(() => reject(new Error(`${table}: ${buffer.length + queuedRows} rows not written after ${timeoutMs} ms`)), timeoutMs)
        }),
      ]).finally(() => clearTimeout(timeout))
    },
    stats: () => ({ ...stats, pendingRows: buffer.length + queuedRows }),
  }
}

import path from 'node:path'
import type { Db } from '../db/client.ts'
import type { Logger } from '../log.ts'
import { createInserter, insertPayload, type Inserter, type WriterObserver } from './inserter.ts'
import { createSpoolWriter, WriterFullError } from './spool-writer.ts'

export { dedupSettings, insertPayload, type WriterObserver } from './inserter.ts'
export { WriterFullError } from './spool-writer.ts'

export interface WriterOptions {
  /** Rows per insert at most. */
  batchRows: number
  /**
   * A partial batch is written after this long at the latest, or, while an earlier insert is still
   * running, as soon as that insert is done: under load batches grow towards `batchRows` instead of
   * queueing.
   */
  flushIntervalMs: number
  /**
   * A partial batch is written sooner once no row has come for this long (a burst is over, and
   * waiting will not make the batch larger). Defaults to a fifth of `flushIntervalMs`.
   */
  flushIdleMs?: number
  /** This writer's write-ahead spool directory (one per table). */
  spoolDir: string
  /** Spool size at which `write` refuses more (TELLEN_SPOOL_MAX_MB). */
  maxSpoolBytes: number
  /** A new segment file is started at the next batch once the active one is this large. */
  segmentBytes?: number
  /** Told about every insert, for metrics. */
  observer?: WriterObserver
  /**
   * Days a quarantined batch is kept for an operator to inspect (default 30); older ones are deleted
   * at start and hourly, so rows ClickHouse refused do not outlive the retention of stored events.
   */
  quarantineDays?: number
}

export interface WriterStats {
  rowsWritten: number
  batchesWritten: number
  insertErrors: number
  /** Rows acknowledged but not yet confirmed by ClickHouse. */
  pendingRows: number
  pendingBatches: number
  /** Bytes of the spool's segment files on disk. */
  spoolBytes: number
  /** Bytes of spooled lines also held in memory, to be inserted without reading them back. */
  bufferedBytes: number
  /** Whether the last insert failed and batches are waiting for ClickHouse. */
  failing: boolean
  /** Batches found in the spool at start and replayed (or still to replay). */
  replayedBatches: number
  /** Rows ClickHouse refused as malformed, set aside in the quarantine folder. */
  quarantinedRows: number
  lastError: string | undefined
}

/**
 * Takes JSON lines for one table (positional rows for `tellen.events_in`, JSONEachRow objects for
 * the others), makes them durable in a write-ahead spool before acknowledging them, and inserts them
 * into ClickHouse in batches, one insert at a time and in order, each with its own deduplication
 * token, so that a batch retried or replayed after a crash is never counted twice.
 */
export interface BatchWriter {
  readonly table: string
  /** Resolves once the lines are fsynced in the spool (group commit: concurrent writes share one fsync). */
  write(lines: readonly string[]): Promise<void>
  /** Inserts everything acknowledged so far. */
  flush(): Promise<void>
  /** Refuses new writes and inserts what is left, giving up after `timeoutMs` (what is left stays in the spool). */
  close(timeoutMs?: number): Promise<void>
  stats(): WriterStats
}

/** Inserts lines (as `insertPayload`) into `table` with a deduplication token. */
export async function insertLines(db: Db, table: string, lines: readonly string[], token: string): Promise<void> {
  await insertPayload(db, table, Buffer.from(lines.join('\n')), token)
}

/** The open batch is checked this often (at most), as a share of the shorter of its two delays. */
const TIMER_SHARE = 2
const SHORTEST_TIMER_MS = 5
const DEFAULT_CLOSE_TIMEOUT_MS = 10_000
/** flushIdleMs defaults to this share of flushIntervalMs. */
const IDLE_SHARE = 5

/**
 * A writer made of its two halves: the spool (spool-writer.ts: append, group commit, recovery,
 * budget) hands closed batches to the inserter (inserter.ts: drain, retry, quarantine), which gives
 * each back once ClickHouse took it.
 * @example
 * const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 10_000, flushIntervalMs: 1000, spoolDir, maxSpoolBytes }, log)
 * await writer.write(rows) // durable on disk now
 */
export function createBatchWriter(db: Db, table: string, options: WriterOptions, log: Logger): BatchWriter {
  const idleMs = options.flushIdleMs ?? options.flushIntervalMs / IDLE_SHARE
  let inserter: Inserter | undefined
  const spool = createSpoolWriter(
    options.spoolDir,
    { batchRows: options.batchRows, flushIntervalMs: options.flushIntervalMs, flushIdleMs: idleMs, maxSpoolBytes: options.maxSpoolBytes, segmentBytes: options.segmentBytes },
    { take: (batch) => inserter!.take(batch), busy: () => inserter!.busy() },
    log,
    table,
  )
  inserter = createInserter(
    db,
    table,
    {
      read: (batch) => spool.read(batch),
      release: (batch) => spool.release(batch),
      idle: () => {
        if (!spool.committing()) spool.closeIfDue()
      },
    },
    { quarantineDir: path.join(options.spoolDir, 'quarantine'), quarantineDays: options.quarantineDays, observer: options.observer },
    log,
  )
  const replayedBatches = spool.recovered.length
  if (replayedBatches) {
    log.info({ table, batches: replayedBatches, rows: spool.recovered.reduce((n, b) => n + b.rows, 0) }, 'spool: replaying batches left by the last run')
  }
  let closed = false
  let stopped = false

  const timer = setInterval(() => {
    if (!spool.committing()) spool.closeIfDue()
    inserter.expireQuarantineHourly()
  }, Math.max(SHORTEST_TIMER_MS, Math.floor(Math.min(options.flushIntervalMs, idleMs) / TIMER_SHARE)))
  timer.unref()
  inserter.expireQuarantineHourly()
  for (const batch of spool.recovered) inserter.take(batch)

  async function flushAll(): Promise<void> {
    while (!stopped && (spool.committing() || spool.open() || inserter!.queued().length)) {
      if (spool.committing()) await spool.commit()
      else if (spool.open()) spool.closeOpen()
      else await inserter!.drain()
    }
  }

  const pending = () => {
    const open = spool.open()
    return open ? [...inserter!.queued(), open] : inserter!.queued()
  }

  return {
    table,
    write(lines) {
      if (closed) return Promise.reject(new WriterFullError('the collector is shutting down'))
      if (!lines.length) return Promise.resolve()
      return spool.write(lines)
    },
    flush: flushAll,
    async close(timeoutMs = DEFAULT_CLOSE_TIMEOUT_MS) {
      closed = true
      let timeout: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          flushAll(),
          new Promise<void>((_, reject) => {
            timeout = setTimeout(() => {
              const rows = pending().reduce((n, b) => n + b.rows, 0)
              reject(new Error(`${table}: ${rows} rows not written after ${timeoutMs} ms; they stay in the spool and are written at the next start`))
            }, timeoutMs)
          }),
        ])
      } finally {
        clearTimeout(timeout)
        clearInterval(timer)
        stopped = true
        inserter.stop()
        await spool.close()
      }
    },
    stats: () => {
      const batches = pending()
      return {
        ...inserter!.stats(),
        replayedBatches,
        pendingRows: batches.reduce((n, b) => n + b.rows, 0),
        pendingBatches: inserter!.queued().length + (spool.open()?.rows ? 1 : 0),
        spoolBytes: spool.bytes(),
        bufferedBytes: batches.reduce((n, b) => n + (b.lines?.reduce((m, l) => m + l.length, 0) ?? 0), 0),
      }
    },
  }
}

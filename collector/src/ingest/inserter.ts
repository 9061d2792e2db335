import fs from 'node:fs'
import path from 'node:path'
import { insertJsonLines, type Db } from '../db/client.ts'
import type { Logger } from '../log.ts'
import { rowFormat } from './event-row.ts'
import { joinLines } from './spool.ts'
import type { Batch, BatchSink } from './spool-writer.ts'

/** Receives the writer's events, for /metrics. */
export interface WriterObserver {
  inserted(table: string, rows: number, seconds: number): void
  insertFailed(table: string): void
}

export interface InserterOptions {
  /** Where a batch ClickHouse keeps refusing is set aside (`<token>.jsonl`). */
  quarantineDir: string
  /** Days a quarantined batch is kept (default 30); older ones are deleted at start and hourly. */
  quarantineDays?: number
  /** Told about every insert, for metrics. */
  observer?: WriterObserver
}

/** Where the inserter's batches come from and go back to once inserted or set aside. */
export interface BatchSource {
  /** Reads the lines of a batch that holds none in memory. */
  read(batch: Batch): Promise<Buffer>
  /** The batch was inserted (or set aside). */
  release(batch: Batch): Promise<void>
  /** The queue ran empty. */
  idle(): void
}

export interface InserterStats {
  rowsWritten: number
  batchesWritten: number
  insertErrors: number
  /** Whether the last insert failed and batches are waiting for ClickHouse. */
  failing: boolean
  /** Rows ClickHouse refused as malformed, set aside in the quarantine folder. */
  quarantinedRows: number
  lastError: string | undefined
}

/**
 * The inserting half of a writer: inserts queued batches into ClickHouse one at a time and in order,
 * each with its own deduplication token, retries one that fails with a growing delay (it stays
 * queued: nothing behind it overtakes it), and sets aside a batch whose content ClickHouse refuses
 * three times.
 */
export interface Inserter extends BatchSink {
  /** Batches waiting, the first being inserted or retried. */
  queued(): readonly Batch[]
  /** Resolves once the queue is empty (or the inserter stopped). */
  drain(): Promise<void>
  /** Stops after the insert under way; what is queued stays in the spool. */
  stop(): void
  /** Deletes quarantined batches older than their retention, at most once an hour. */
  expireQuarantineHourly(): void
  stats(): InserterStats
}

/** Insert settings that make a retried batch a no-op in the table and in every rollup fed from it. */
export const dedupSettings = (token: string) => ({
  insert_deduplication_token: token,
  deduplicate_blocks_in_dependent_materialized_views: 1 as const,
})

/**
 * Inserts the bytes of a batch of JSON lines into `table` with a deduplication token: positional
 * rows for a table that takes them (event-row.ts), else JSONEachRow.
 */
export async function insertPayload(db: Db, table: string, payload: Buffer, token: string): Promise<void> {
  await insertJsonLines(db, table, payload, dedupSettings(token), rowFormat(table, payload))
}

const DATA_ERROR = /Cannot parse|CANNOT_PARSE|INCORRECT_DATA|escape sequence|TYPE_MISMATCH|Unknown field|Cannot convert|Cannot read all data/i
/** True when ClickHouse answered and refused the rows themselves, so retrying cannot help. */
const isDataError = (err: unknown) => err instanceof Error && DATA_ERROR.test(err.message)

/** Refusals of a batch's content after which it is set aside. */
const DATA_ERRORS_TO_QUARANTINE = 3
const FIRST_RETRY_MS = 100
const LONGEST_RETRY_MS = 10_000
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000
const DEFAULT_QUARANTINE_DAYS = 30
/** Characters of ClickHouse's message kept in the log and in the writer's state. */
const ERROR_CHARS = 300
/**
 * Queued batches that keep their lines in memory (besides the open one); the ones behind them are
 * read back from the spool. Under load a batch is closed once the insert before it is done, so the
 * queue is mostly empty and every batch is inserted from memory.
 */
const IN_MEMORY_BATCHES = 1

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref())
const firstLine = (err: Error) => err.message.split('\n')[0]!.slice(0, ERROR_CHARS)

/**
 * @example
 * const inserter = createInserter(db, 'tellen.events_in', source, { quarantineDir }, log)
 * inserter.take(batch)
 * await inserter.drain()
 */
export function createInserter(db: Db, table: string, source: BatchSource, options: InserterOptions, log: Logger): Inserter {
  const queue: Batch[] = []
  let draining: Promise<void> | undefined
  let retryDelay = 0
  let stopped = false
  let quarantineCheckedAt = 0
  const stats: InserterStats = { rowsWritten: 0, batchesWritten: 0, insertErrors: 0, failing: false, quarantinedRows: 0, lastError: undefined }

  /** Keeps a batch ClickHouse refuses in the quarantine folder for an operator to inspect. */
  const quarantine = async (batch: Batch, payload: Buffer, err: Error) => {
    await fs.promises.mkdir(options.quarantineDir, { recursive: true })
    await fs.promises.writeFile(path.join(options.quarantineDir, `${batch.token}.jsonl`), Buffer.concat([payload, Buffer.from('\n')]))
    stats.quarantinedRows += batch.rows
    log.error({ table, token: batch.token, rows: batch.rows, err: firstLine(err) }, 'ClickHouse refuses the rows of a batch; it was moved to the quarantine')
  }

  const done = async (batch: Batch) => {
    queue.shift()
    await source.release(batch)
  }

  async function insertQueued(): Promise<void> {
    while (queue.length && !stopped) {
      const batch = queue[0]!
      let payload: Buffer
      try {
        payload = batch.lines ? joinLines(batch.lines) : await source.read(batch)
      } catch (err) {
        log.error({ table, token: batch.token, err: (err as Error).message }, 'spool: a batch cannot be read back and is skipped')
        await done(batch)
        continue
      }
      const started = performance.now()
      try {
        await insertPayload(db, table, payload, batch.token)
      } catch (err) {
        if (isDataError(err) && ++batch.dataErrors >= DATA_ERRORS_TO_QUARANTINE) {
          // ClickHouse keeps refusing the batch's content: set it aside instead of stalling everything behind it.
          await quarantine(batch, payload, err as Error)
          await done(batch)
          continue
        }
        stats.insertErrors++
        stats.failing = true
        stats.lastError = firstLine(err as Error)
        options.observer?.insertFailed(table)
        retryDelay = Math.min(LONGEST_RETRY_MS, Math.max(FIRST_RETRY_MS, retryDelay * 2))
        log.error({ table, rows: batch.rows, err: stats.lastError, retryInMs: retryDelay }, 'insert failed; the batch stays in the spool')
        await sleep(retryDelay)
        continue
      }
      options.observer?.inserted(table, batch.rows, (performance.now() - started) / 1000)
      stats.rowsWritten += batch.rows
      stats.batchesWritten++
      stats.failing = false
      stats.lastError = undefined
      retryDelay = 0
      await done(batch)
    }
  }

  function drain(): Promise<void> {
    draining ??= insertQueued().finally(() => {
      draining = undefined
      if (queue.length && !stopped) void drain()
      else source.idle()
    })
    return draining
  }

  /** Deletes quarantined batches older than `quarantineDays`. */
  const expireQuarantine = async (now: number) => {
    const keepMs = (options.quarantineDays ?? DEFAULT_QUARANTINE_DAYS) * DAY_MS
    let names: string[]
    try {
      names = await fs.promises.readdir(options.quarantineDir)
    } catch {
      return
    }
    for (const name of names) {
      const file = path.join(options.quarantineDir, name)
      const stat = await fs.promises.stat(file).catch(() => undefined)
      if (stat?.isFile() && now - stat.mtimeMs > keepMs) {
        await fs.promises.rm(file, { force: true })
        log.info({ table, file: name }, 'spool: deleted a quarantined batch older than its retention')
      }
    }
  }

  return {
    take(batch) {
      // Behind IN_MEMORY_BATCHES others a batch lets go of its lines and is read back when its turn comes.
      if (queue.length >= IN_MEMORY_BATCHES) delete batch.lines
      queue.push(batch)
      void drain()
    },
    busy: () => queue.length > 0,
    queued: () => queue,
    drain,
    stop() {
      stopped = true
    },
    expireQuarantineHourly() {
      const now = Date.now()
      if (now - quarantineCheckedAt < HOUR_MS) return
      quarantineCheckedAt = now
      void expireQuarantine(now).catch((err: Error) => log.error({ table, err: err.message }, 'spool: quarantine not expired'))
    },
    stats: () => ({ ...stats }),
  }
}

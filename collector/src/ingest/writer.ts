import fs from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { insertJsonLines, type Db } from '../db/client.ts'
import type { Logger } from '../log.ts'
import { rowFormat } from './event-row.ts'
import { encodeRecord, fsyncDir, joinLines, newToken, readBatchPayload, recordLines, recoverSpool, segmentName, type RecordRef } from './spool.ts'

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

/** Receives the writer's events, for /metrics. */
export interface WriterObserver {
  inserted(table: string, rows: number, seconds: number): void
  insertFailed(table: string): void
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
 * Writes every byte of `bufs` at `position`. A write may take fewer bytes than it was given (a disk
 * with room for part of a record), so the rest is written again until it is all on disk or the file
 * system refuses with an error (ENOSPC): a record is never acknowledged half written.
 */
async function writeAll(fh: FileHandle, bufs: Buffer[], position: number): Promise<void> {
  let rest = bufs
  let at = position
  while (rest.length) {
    const { bytesWritten } = await fh.writev(rest, at)
    if (bytesWritten === 0) throw new Error('the spool segment took no bytes')
    at += bytesWritten
    let skip = bytesWritten
    let i = 0
    while (i < rest.length && skip >= rest[i]!.length) skip -= rest[i++]!.length
    rest = rest.slice(i)
    if (skip > 0) rest[0] = rest[0]!.subarray(skip)
  }
}

/** Raised by `write` when the writer cannot keep more (spool full, disk failing, shutting down): retry later. */
export class WriterFullError extends Error {
  override name = 'WriterFullError'
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

/** Inserts lines (as `insertPayload`) into `table` with a deduplication token. */
export async function insertLines(db: Db, table: string, lines: readonly string[], token: string): Promise<void> {
  await insertPayload(db, table, Buffer.from(lines.join('\n')), token)
}

interface Batch {
  token: string
  segment: number
  records: RecordRef[]
  /**
   * The lines of each record, as views of the bytes written to the spool, for a batch made by this
   * process: it is inserted from memory. A batch replayed from an earlier run has none and is read
   * back, and so has a batch queued behind `IN_MEMORY_BATCHES` others (ClickHouse is slow or away),
   * so that an outage fills the spool on disk, not memory.
   */
  lines?: Buffer[]
  rows: number
  started: number
  /** Inserts ClickHouse refused for the content of the batch (not for being away). */
  dataErrors: number
}

const DATA_ERROR = /Cannot parse|CANNOT_PARSE|INCORRECT_DATA|escape sequence|TYPE_MISMATCH|Unknown field|Cannot convert|Cannot read all data/i
/** True when ClickHouse answered and refused the rows themselves, so retrying cannot help. */
const isDataError = (err: unknown) => err instanceof Error && DATA_ERROR.test(err.message)

interface Segment {
  bytes: number
  /** Batches with records in this segment that ClickHouse has not confirmed. */
  unconfirmed: number
}

interface Waiter {
  lines: readonly string[]
  resolve(): void
  reject(err: Error): void
}

/**
 * Queued batches that keep their lines in memory (besides the open one); the ones behind them are
 * read back from the spool. Under load a batch is closed once the insert before it is done, so the
 * queue is mostly empty and every batch is inserted from memory.
 */
const IN_MEMORY_BATCHES = 1

/** A new segment: created here (fails if it exists), each write durable before it returns. */
const SEGMENT_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_DSYNC ?? 0)
/** Where the platform has no O_DSYNC (Windows), each write is followed by an fdatasync. */
const SYNC_AFTER_WRITE = fs.constants.O_DSYNC === undefined

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref())

/**
 * @example
 * const writer = createBatchWriter(db, 'tellen.events_in', { batchRows: 10_000, flushIntervalMs: 1000, spoolDir, maxSpoolBytes }, log)
 * await writer.write(rows) // durable on disk now
 */
export function createBatchWriter(db: Db, table: string, options: WriterOptions, log: Logger): BatchWriter {
  const dir = options.spoolDir
  const segmentLimit = options.segmentBytes ?? 16 * 1024 * 1024
  const recovered = recoverSpool(dir)
  if (recovered.droppedBytes) log.warn({ table, bytes: recovered.droppedBytes }, 'spool: cut off a torn record that was never acknowledged')
  for (const d of recovered.damaged) {
    log.error({ table, ...d }, 'spool: a damaged record cannot be read (copied to the quarantine); the records after it are replayed')
  }

  const segments = new Map<number, Segment>()
  for (const [n, bytes] of recovered.segmentBytes) segments.set(n, { bytes, unconfirmed: 0 })
  const queue: Batch[] = []
  for (const b of recovered.batches) {
    queue.push({ ...b, started: 0, dataErrors: 0 })
    segments.get(b.segment)!.unconfirmed++
  }
  if (queue.length) log.info({ table, batches: queue.length, rows: queue.reduce((n, b) => n + b.rows, 0) }, 'spool: replaying batches left by the last run')
  let nextSegment = Math.max(0, ...segments.keys()) + 1
  let active: { n: number; fh: FileHandle } | undefined
  let open: Batch | undefined

  const idleMs = options.flushIdleMs ?? options.flushIntervalMs / 5
  /** When rows last came (Date.now()), for closing a batch once a burst is over. */
  let lastRowsAt = 0
  let waiting: Waiter[] = []
  let waitingBytes = 0
  /** The estimate of the group being appended: not in `spoolBytes` until its write returns. */
  let committingBytes = 0
  let committing: Promise<void> | undefined
  let draining: Promise<void> | undefined
  let retryDelay = 0
  let closed = false
  let stopped = false
  const stats = {
    rowsWritten: 0, batchesWritten: 0, insertErrors: 0, failing: false, replayedBatches: queue.length, quarantinedRows: 0,
    lastError: undefined as string | undefined,
  }
  let spoolBytes = [...segments.values()].reduce((n, s) => n + s.bytes, 0)

  const dropSegmentIfDone = async (n: number) => {
    const seg = segments.get(n)
    if (!seg || seg.unconfirmed > 0 || active?.n === n) return
    segments.delete(n)
    spoolBytes -= seg.bytes
    await fs.promises.rm(path.join(dir, segmentName(n)), { force: true })
    await fsyncDir(dir).catch(() => undefined)
  }

  /** Closes and removes the active segment once ClickHouse confirmed all of it, so an idle spool is empty. */
  const retireActiveIfDone = async () => {
    if (!active || committing || open) return
    const seg = segments.get(active.n)
    if (!seg || seg.unconfirmed > 0) return
    const done = active
    active = undefined
    await done.fh.close().catch(() => undefined)
    await dropSegmentIfDone(done.n)
  }

  /** Queues a closed batch for insert; behind `IN_MEMORY_BATCHES` others it lets go of its lines. */
  const enqueue = (b: Batch) => {
    if (queue.length >= IN_MEMORY_BATCHES) delete b.lines
    queue.push(b)
  }

  /** Moves the open batch to the insert queue. Only called between commits, so all its records are fsynced. */
  const closeOpen = () => {
    if (!open) return
    const b = open
    open = undefined
    if (b.rows) {
      enqueue(b)
      kickDrain()
    }
  }

  /**
   * Queues the open batch once it is older than the flush interval or no row has come for
   * `idleMs`, unless inserts are still running or waiting: then it keeps growing (up to
   * `batchRows`), so that a busy writer makes fewer, larger inserts, each of which costs the engine
   * a part in every table fed by `table`.
   */
  const closeIfDue = () => {
    if (!open || queue.length) return
    const now = Date.now()
    if (now - open.started >= options.flushIntervalMs || now - lastRowsAt >= idleMs) closeOpen()
  }

  /**
   * Appends the lines of one group commit as records (durable when the write returns: segments are
   * opened with O_DSYNC, one call to the thread pool instead of a write and an fdatasync), and only
   * then updates the state. The open batch takes the new records in place (copying its arrays at
   * every commit would cost more with every commit until it closes); a failed write takes them back.
   */
  async function append(lines: readonly string[]): Promise<void> {
    lastRowsAt = Date.now()
    const before = open && { records: open.records.length, lines: open.lines?.length, rows: open.rows }
    let batch: Batch | undefined = open
    let seg = active ? { n: active.n, bytes: segments.get(active.n)!.bytes, unconfirmed: segments.get(active.n)!.unconfirmed } : undefined
    const full: Batch[] = []
    const created: Batch[] = []
    const newSegments: number[] = []
    const writes: { segment: number; at: number; bufs: Buffer[]; bytes: number }[] = []
    let i = 0
    while (i < lines.length) {
      if (!batch || batch.rows >= options.batchRows) {
        if (batch) full.push(batch)
        if (!seg || seg.bytes >= segmentLimit || (seg.unconfirmed === 0 && seg.bytes > 0)) {
          seg = { n: nextSegment + newSegments.length, bytes: 0, unconfirmed: 0 }
          newSegments.push(seg.n)
        }
        batch = { token: newToken(), segment: seg.n, records: [], lines: [], rows: 0, started: Date.now(), dataErrors: 0 }
        seg.unconfirmed++
        created.push(batch)
      }
      const take = lines.slice(i, i + options.batchRows - batch.rows)
      i += take.length
      const record = encodeRecord(batch.token, take)
      let w = writes[writes.length - 1]
      if (!w || w.segment !== seg!.n) {
        w = { segment: seg!.n, at: seg!.bytes, bufs: [], bytes: 0 }
        writes.push(w)
      }
      batch.records.push({ segment: seg!.n, offset: seg!.bytes, length: record.length })
      batch.lines?.push(recordLines(record))
      w.bufs.push(record)
      w.bytes += record.length
      seg!.bytes += record.length
      batch.rows += take.length
    }

    const handles = new Map<number, FileHandle>()
    if (active) handles.set(active.n, active.fh)
    try {
      for (const n of newSegments) handles.set(n, await fs.promises.open(path.join(dir, segmentName(n)), SEGMENT_FLAGS))
      for (const w of writes) {
        const fh = handles.get(w.segment)!
        await writeAll(fh, w.bufs, w.at)
        if (SYNC_AFTER_WRITE) await fh.datasync()
      }
      if (newSegments.length) await fsyncDir(dir)
    } catch (err) {
      if (open && before) {
        open.records.length = before.records
        if (open.lines) open.lines.length = before.lines!
        open.rows = before.rows
      }
      // Only segments this commit created are removed (one that failed to open may be someone else's file).
      for (const n of newSegments) {
        const fh = handles.get(n)
        if (!fh) continue
        await fh.close().catch(() => undefined)
        await fs.promises.rm(path.join(dir, segmentName(n)), { force: true })
      }
      if (active) await active.fh.truncate(segments.get(active.n)!.bytes).catch(() => undefined)
      throw err
    }

    // Durable: apply the plan.
    for (const w of writes) {
      const s = segments.get(w.segment) ?? { bytes: 0, unconfirmed: 0 }
      s.bytes += w.bytes
      segments.set(w.segment, s)
      spoolBytes += w.bytes
    }
    for (const b of created) segments.get(b.segment)!.unconfirmed++
    nextSegment += newSegments.length
    const last = newSegments[newSegments.length - 1]
    if (last !== undefined && active?.n !== last) {
      const previous = active
      for (const n of newSegments) if (n !== last) await handles.get(n)!.close()
      active = { n: last, fh: handles.get(last)! }
      if (previous) {
        await previous.fh.close().catch(() => undefined)
        await dropSegmentIfDone(previous.n)
      }
    }
    open = batch
    for (const b of full) enqueue(b)
    if (open && open.rows >= options.batchRows) closeOpen()
    if (full.length) kickDrain()
  }

  async function commitLoop(): Promise<void> {
    // Let the requests that arrived in the same turn of the event loop join this commit.
    await new Promise<void>((r) => setImmediate(r))
    while (waiting.length) {
      const group = waiting
      waiting = []
      committingBytes = waitingBytes
      waitingBytes = 0
      const lines: string[] = []
      for (const w of group) for (const l of w.lines) lines.push(l)
      try {
        await append(lines)
        for (const w of group) w.resolve()
      } catch (err) {
        log.error({ table, err: (err as Error).message }, 'spool: append failed')
        for (const w of group) w.reject(new WriterFullError(`the spool cannot be written (${(err as Error).message})`))
      } finally {
        committingBytes = 0
      }
      closeIfDue()
    }
  }

  const kickCommit = () => {
    committing ??= commitLoop().finally(() => {
      committing = undefined
      if (waiting.length) void kickCommit()
      else void retireActiveIfDone()
    })
    return committing
  }

  async function drain(): Promise<void> {
    while (queue.length && !stopped) {
      const batch = queue[0]!
      let payload: Buffer
      try {
        payload = batch.lines ? joinLines(batch.lines) : await readBatchPayload(dir, batch)
      } catch (err) {
        log.error({ table, token: batch.token, err: (err as Error).message }, 'spool: a batch cannot be read back and is skipped')
        queue.shift()
        await confirm(batch)
        continue
      }
      const started = performance.now()
      try {
        await insertPayload(db, table, payload, batch.token)
      } catch (err) {
        if (isDataError(err) && ++batch.dataErrors >= 3) {
          // ClickHouse keeps refusing the batch's content: set it aside instead of stalling everything behind it.
          await quarantine(batch, payload, err as Error)
          queue.shift()
          await confirm(batch)
          continue
        }
        stats.insertErrors++
        stats.failing = true
        stats.lastError = (err as Error).message.split('\n')[0]!.slice(0, 300)
        options.observer?.insertFailed(table)
        retryDelay = Math.min(10_000, Math.max(100, retryDelay * 2))
        log.error({ table, rows: batch.rows, err: stats.lastError, retryInMs: retryDelay }, 'insert failed; the batch stays in the spool')
        await sleep(retryDelay)
        continue
      }
      options.observer?.inserted(table, batch.rows, (performance.now() - started) / 1000)
      queue.shift()
      stats.rowsWritten += batch.rows
      stats.batchesWritten++
      stats.failing = false
      stats.lastError = undefined
      retryDelay = 0
      await confirm(batch)
    }
  }

  /** Deletes quarantined batches older than `quarantineDays`. */
  const expireQuarantine = async (now = Date.now()) => {
    const qdir = path.join(dir, 'quarantine')
    const keepMs = (options.quarantineDays ?? 30) * 86_400_000
    let names: string[]
    try {
      names = await fs.promises.readdir(qdir)
    } catch {
      return
    }
    for (const name of names) {
      const file = path.join(qdir, name)
      const stat = await fs.promises.stat(file).catch(() => undefined)
      if (stat?.isFile() && now - stat.mtimeMs > keepMs) {
        await fs.promises.rm(file, { force: true })
        log.info({ table, file: name }, 'spool: deleted a quarantined batch older than its retention')
      }
    }
  }
  let quarantineCheckedAt = 0
  const expireQuarantineHourly = () => {
    const now = Date.now()
    if (now - quarantineCheckedAt < 3_600_000) return
    quarantineCheckedAt = now
    void expireQuarantine(now).catch((err: Error) => log.error({ table, err: err.message }, 'spool: quarantine not expired'))
  }

  /** Keeps a batch ClickHouse refuses in `spoolDir/quarantine/<token>.jsonl` for an operator to inspect. */
  const quarantine = async (batch: Batch, payload: Buffer, err: Error) => {
    const qdir = path.join(dir, 'quarantine')
    await fs.promises.mkdir(qdir, { recursive: true })
    await fs.promises.writeFile(path.join(qdir, `${batch.token}.jsonl`), Buffer.concat([payload, Buffer.from('\n')]))
    stats.quarantinedRows += batch.rows
    log.error({ table, token: batch.token, rows: batch.rows, err: err.message.split('\n')[0]!.slice(0, 300) }, 'ClickHouse refuses the rows of a batch; it was moved to the quarantine')
  }

  const confirm = async (batch: Batch) => {
    const seg = segments.get(batch.segment)
    if (seg) seg.unconfirmed--
    await dropSegmentIfDone(batch.segment).catch((err: Error) => log.error({ table, err: err.message }, 'spool: segment not removed'))
    await retireActiveIfDone().catch((err: Error) => log.error({ table, err: err.message }, 'spool: segment not removed'))
  }

  function kickDrain(): Promise<void> {
    draining ??= drain().finally(() => {
      draining = undefined
      if (queue.length && !stopped) void kickDrain()
      else if (!committing) closeIfDue()
    })
    return draining
  }

  const timer = setInterval(() => {
    if (!committing) closeIfDue()
    expireQuarantineHourly()
  }, Math.max(5, Math.floor(Math.min(options.flushIntervalMs, idleMs) / 2)))
  timer.unref()
  expireQuarantineHourly()
  if (queue.length) void kickDrain()

  async function flushAll(): Promise<void> {
    while (!stopped && (committing || waiting.length || open || queue.length)) {
      if (committing || waiting.length) await kickCommit()
      else if (open) closeOpen()
      else await kickDrain()
    }
  }

  return {
    table,
    write(lines) {
      if (closed) return Promise.reject(new WriterFullError('the collector is shutting down'))
      if (!lines.length) return Promise.resolve()
      let bytes = 0
      for (const l of lines) bytes += l.length + 48
      if (spoolBytes + committingBytes + waitingBytes + bytes > options.maxSpoolBytes) {
        return Promise.reject(new WriterFullError(`the spool holds ${Math.round(spoolBytes / 1024)} KB waiting for ClickHouse`))
      }
      waitingBytes += bytes
      return new Promise<void>((resolve, reject) => {
        waiting.push({ lines, resolve, reject })
        void kickCommit()
      })
    },
    flush: flushAll,
    async close(timeoutMs = 10_000) {
      closed = true
      clearInterval(timer)
      let timeout: NodeJS.Timeout | undefined
      try {
        await Promise.race([
          flushAll(),
          new Promise<void>((_, reject) => {
            timeout = setTimeout(() => {
              const rows = queue.reduce((n, b) => n + b.rows, 0) + (open?.rows ?? 0)
              reject(new Error(`${table}: ${rows} rows not written after ${timeoutMs} ms; they stay in the spool and are written at the next start`))
            }, timeoutMs)
          }),
        ])
      } finally {
        clearTimeout(timeout)
        stopped = true
        if (committing) await committing.catch(() => undefined)
        const last = active
        active = undefined
        if (last) {
          await last.fh.close().catch(() => undefined)
          await dropSegmentIfDone(last.n).catch(() => undefined)
        }
      }
    },
    stats: () => ({
      ...stats,
      pendingRows: queue.reduce((n, b) => n + b.rows, 0) + (open?.rows ?? 0),
      pendingBatches: queue.length + (open?.rows ? 1 : 0),
      spoolBytes,
      bufferedBytes: [...queue, ...(open ? [open] : [])].reduce((n, b) => n + (b.lines?.reduce((m, l) => m + l.length, 0) ?? 0), 0),
    }),
  }
}

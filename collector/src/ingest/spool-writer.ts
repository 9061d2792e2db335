import fs from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import path from 'node:path'
import type { Logger } from '../log.ts'
import { encodeRecord, fsyncDir, newToken, readBatchPayload, recordLines, recoverSpool, segmentName, type RecordRef } from './spool.ts'

/** One insert's worth of spooled lines, with one deduplication token. */
export interface Batch {
  token: string
  segment: number
  records: RecordRef[]
  /**
   * The lines of each record, as views of the bytes written to the spool, for a batch made by this
   * process: it is inserted from memory. A batch replayed from an earlier run has none and is read
   * back, and so has a batch the inserter queues behind others (ClickHouse is slow or away), so that
   * an outage fills the spool on disk, not memory.
   */
  lines?: Buffer[]
  rows: number
  started: number
  /** Inserts ClickHouse refused for the content of the batch (not for being away). */
  dataErrors: number
}

/** Raised by `write` when the writer cannot keep more (spool full, disk failing, shutting down): retry later. */
export class WriterFullError extends Error {
  override name = 'WriterFullError'
}

export interface SpoolWriterOptions {
  /** Rows per batch at most. */
  batchRows: number
  /** An open batch is closed after this long at the latest (see `closeIfDue`). */
  flushIntervalMs: number
  /** An open batch is closed once no row has come for this long. */
  flushIdleMs: number
  /** Spool size at which `write` refuses more. */
  maxSpoolBytes: number
  /** A new segment file is started at the next batch once the active one is this large. */
  segmentBytes?: number
}

/** What the spool writer needs from whoever inserts its batches. */
export interface BatchSink {
  /** Takes a closed batch (all its records durable) to insert. */
  take(batch: Batch): void
  /** True while batches wait to be inserted: the open batch then keeps growing instead of closing. */
  busy(): boolean
}

/**
 * The write-ahead half of a writer: appends lines to the segment files of `dir` as framed records
 * (group commit: the writes of one turn of the event loop share one durable write), gathers them in
 * an open batch that it hands to the sink once it is due, keeps the spool within its budget, and
 * removes a segment once every batch in it is `release`d. At creation it recovers what an earlier
 * run left (`recovered`, to be inserted before anything new).
 */
export interface SpoolWriter {
  /** Batches an earlier run left in the spool, in order. */
  readonly recovered: readonly Batch[]
  /** Resolves once the lines are durable in the spool; rejects with WriterFullError (nothing of them kept). */
  write(lines: readonly string[]): Promise<void>
  /** A batch was inserted (or set aside): its records are no longer needed. */
  release(batch: Batch): Promise<void>
  /** Reads the lines of a batch back from its segment. */
  read(batch: Batch): Promise<Buffer>
  /** Hands the open batch to the sink if it is older than the flush interval or idle (and the sink is not busy). */
  closeIfDue(): void
  /** Hands the open batch to the sink now. */
  closeOpen(): void
  /** Resolves once the writes waiting now are durable (or refused). */
  commit(): Promise<void>
  /** True while writes wait or are being appended. */
  committing(): boolean
  /** The open batch, if any. */
  open(): Batch | undefined
  /** Bytes of the segment files on disk. */
  bytes(): number
  /** Waits for the commit under way and closes the active segment (removed if all of it was released). */
  close(): Promise<void>
}

interface Segment {
  bytes: number
  /** Batches with records in this segment that are not released. */
  unconfirmed: number
}

interface Waiter {
  lines: readonly string[]
  resolve(): void
  reject(err: Error): void
}

/** Bytes a line is taken to cost in the spool beyond its characters (record framing, token, newline), for the budget. */
const LINE_OVERHEAD_BYTES = 48
const DEFAULT_SEGMENT_BYTES = 16 * 1024 * 1024

/** A new segment: created here (fails if it exists), each write durable before it returns. */
const SEGMENT_FLAGS = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | (fs.constants.O_DSYNC ?? 0)
/** Where the platform has no O_DSYNC (Windows), each write is followed by an fdatasync. */
const SYNC_AFTER_WRITE = fs.constants.O_DSYNC === undefined

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

/**
 * @example
 * const spool = createSpoolWriter(dir, { batchRows: 10_000, flushIntervalMs: 1000, flushIdleMs: 200, maxSpoolBytes }, sink, log, 'tellen.events_in')
 * await spool.write(lines) // durable on disk now
 */
export function createSpoolWriter(dir: string, options: SpoolWriterOptions, sink: BatchSink, log: Logger, table: string): SpoolWriter {
  const segmentLimit = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES
  const found = recoverSpool(dir)
  if (found.droppedBytes) log.warn({ table, bytes: found.droppedBytes }, 'spool: cut off a torn record that was never acknowledged')
  for (const d of found.damaged) {
    log.error({ table, ...d }, 'spool: a damaged record cannot be read (copied to the quarantine); the records after it are replayed')
  }

  const segments = new Map<number, Segment>()
  for (const [n, bytes] of found.segmentBytes) segments.set(n, { bytes, unconfirmed: 0 })
  const recovered: Batch[] = []
  for (const b of found.batches) {
    recovered.push({ ...b, started: 0, dataErrors: 0 })
    segments.get(b.segment)!.unconfirmed++
  }
  let nextSegment = Math.max(0, ...segments.keys()) + 1
  let active: { n: number; fh: FileHandle } | undefined
  let open: Batch | undefined
  /** When rows last came (Date.now()), for closing a batch once a burst is over. */
  let lastRowsAt = 0
  let waiting: Waiter[] = []
  let waitingBytes = 0
  /** The estimate of the group being appended: not in `spoolBytes` until its write returns. */
  let committingBytes = 0
  let committing: Promise<void> | undefined
  let spoolBytes = [...segments.values()].reduce((n, s) => n + s.bytes, 0)

  const dropSegmentIfDone = async (n: number) => {
    const seg = segments.get(n)
    if (!seg || seg.unconfirmed > 0 || active?.n === n) return
    segments.delete(n)
    spoolBytes -= seg.bytes
    await fs.promises.rm(path.join(dir, segmentName(n)), { force: true })
    await fsyncDir(dir).catch(() => undefined)
  }

  /** Closes and removes the active segment once all of it was released, so an idle spool is empty. */
  const retireActiveIfDone = async () => {
    if (!active || committing || open) return
    const seg = segments.get(active.n)
    if (!seg || seg.unconfirmed > 0) return
    const done = active
    active = undefined
    await done.fh.close().catch(() => undefined)
    await dropSegmentIfDone(done.n)
  }

  /** Hands the open batch to the sink. Only called between commits, so all its records are durable. */
  const closeOpen = () => {
    if (!open) return
    const b = open
    open = undefined
    if (b.rows) sink.take(b)
  }

  /**
   * Hands the open batch over once it is older than the flush interval or no row has come for
   * `flushIdleMs`, unless the sink is busy: then it keeps growing (up to `batchRows`), so that a busy
   * writer makes fewer, larger inserts, each of which costs the engine a part in every table fed by
   * the writer's table.
   */
  const closeIfDue = () => {
    if (!open || sink.busy()) return
    const now = Date.now()
    if (now - open.started >= options.flushIntervalMs || now - lastRowsAt >= options.flushIdleMs) closeOpen()
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
    for (const b of full) sink.take(b)
    if (open && open.rows >= options.batchRows) closeOpen()
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

  const kickCommit = (): Promise<void> => {
    committing ??= commitLoop().finally(() => {
      committing = undefined
      if (waiting.length) void kickCommit()
      else void retireActiveIfDone()
    })
    return committing
  }

  return {
    recovered,
    write(lines) {
      let bytes = 0
      for (const l of lines) bytes += l.length + LINE_OVERHEAD_BYTES
      if (spoolBytes + committingBytes + waitingBytes + bytes > options.maxSpoolBytes) {
        return Promise.reject(new WriterFullError(`the spool holds ${Math.round(spoolBytes / 1024)} KB waiting for ClickHouse`))
      }
      waitingBytes += bytes
      return new Promise<void>((resolve, reject) => {
        waiting.push({ lines, resolve, reject })
        void kickCommit()
      })
    },
    async release(batch) {
      const seg = segments.get(batch.segment)
      if (seg) seg.unconfirmed--
      await dropSegmentIfDone(batch.segment).catch((err: Error) => log.error({ table, err: err.message }, 'spool: segment not removed'))
      await retireActiveIfDone().catch((err: Error) => log.error({ table, err: err.message }, 'spool: segment not removed'))
    },
    read: (batch) => readBatchPayload(dir, batch),
    closeIfDue,
    closeOpen,
    commit: kickCommit,
    committing: () => Boolean(committing || waiting.length),
    open: () => open,
    bytes: () => spoolBytes,
    async close() {
      if (committing) await committing.catch(() => undefined)
      const last = active
      active = undefined
      if (last) {
        await last.fh.close().catch(() => undefined)
        await dropSegmentIfDone(last.n).catch(() => undefined)
      }
    },
  }
}

import { Drop, UNAVAILABLE_RETRY_SECONDS, type Stored } from '../drop.ts'
import { WriterFullError } from '../writer.ts'

/**
 * Hands the batch's rows to the events writer; once it resolves they are in the spool on disk. A
 * full spool refuses the request with a 503 and a time to retry, counting the events dropped
 * from the batch beside it. Any other failure of the writer is thrown.
 * @example
 * await store(stored, (rows) => events.write(rows)) // stored, or Drop spool_full
 */
export async function store(stored: Stored, write: (rows: string[]) => Promise<void>): Promise<Stored | Drop> {
  try {
    await write(stored.rows)
    return stored
  } catch (err) {
    if (!(err instanceof WriterFullError)) throw err
    return new Drop('spool_full', `the collector cannot take more events right now (${err.message}); retry later`, {
      events: stored.rows.length,
      site: stored.site,
      retryAfterSeconds: UNAVAILABLE_RETRY_SECONDS,
      besides: stored.drops,
    })
  }
}

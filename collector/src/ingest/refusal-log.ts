import type { Logger } from '../log.ts'

/** How often the counts of refused requests are written while refusals go on. */
export const REFUSAL_SUMMARY_MS = 60_000

/**
 * The log of requests to `/api/event` that were refused (4xx and 5xx). Each refused request has its
 * request line at debug; at info, the first refusal after a quiet interval writes one line at once,
 * and then one line per interval counts what was refused in it by status and reason, until an
 * interval passes without any. A flood of refused requests thus writes two lines a minute at most.
 */
export interface RefusalLog {
  /** Counts one refused request, e.g. `refused(429, 'rate_limited')`. */
  refused(status: number, reason: string): void
  /** Writes the counts held now (at shutdown), and ends the interval. */
  flush(): void
}

/**
 * @example
 * const refusals = createRefusalLog(log)
 * refusals.refused(415, 'content_type') // {"status":415,"reason":"content_type",...,"msg":"refusing requests to /api/event"}
 */
export function createRefusalLog(log: Logger, intervalMs = REFUSAL_SUMMARY_MS): RefusalLog {
  let counts = new Map<string, number>()
  let total = 0
  let since = 0
  let timer: NodeJS.Timeout | undefined

  const summarise = () => {
    if (!total) return
    log.info(
      { refused: total, counts: Object.fromEntries(counts), seconds: Math.round((Date.now() - since) / 1000) },
      'requests to /api/event refused (each request line at debug)',
    )
    counts = new Map()
    total = 0
    since = Date.now()
  }
  const stop = () => {
    clearInterval(timer)
    timer = undefined
  }

  return {
    refused(status, reason) {
      const key = `${status} ${reason}`
      counts.set(key, (counts.get(key) ?? 0) + 1)
      total++
      if (timer) return
      since = Date.now()
      log.info({ status, reason }, `refusing requests to /api/event; counts follow every ${Math.round(intervalMs / 1000)} s while it goes on`)
      timer = setInterval(() => {
        if (total) summarise()
        else stop()
      }, intervalMs)
      timer.unref()
    },
    flush() {
      summarise()
      stop()
    },
  }
}

import { MAX_BODY_BYTES, MAX_EVENTS_PER_BATCH, PROTOCOL_VERSION, type EventType } from '../../collector/src/protocol.ts'
import { view } from './pageviews.ts'

/** One event as the wire format describes it (docs/protocol.md). */
export interface WireEvent {
  type: EventType
  url: string
  ts: number
  [field: string]: unknown
}

/** Batch fields that describe the browser, sent once per request. */
export interface BatchContext {
  site: string
  sw: number
  sh: number
  tz: string
  lang: string
  hash?: boolean
}

const FLUSH_INTERVAL_MS = 3000

let endpoint: string
let readContext: () => BatchContext
let context: BatchContext | undefined
let queue: WireEvent[] = []
/** When a batch may be sent again after a failure; undefined (never failed) compares as passed. */
let retryAt: number | undefined
/** Failed sends in a row: each doubles the wait before the next try. */
let failures = 0

/**
 * Sets where batches go and what they say about the browser, and starts the periodic flush.
 * `ctx` runs at the first send, not at load: the first use of Intl costs tens of milliseconds.
 */
export function startTransport(url: string, ctx: () => BatchContext): void {
  endpoint = url
  readContext = ctx
  setInterval(flush, FLUSH_INTERVAL_MS) // browsers call it without arguments
}

/**
 * Queues an event of the current view at the current time; while the page is hidden it leaves at
 * once. Its `id`, a random number, lets the collector store it once when it is sent again.
 */
export function send(type: EventType, fields: Record<string, unknown>): void {
  queue.push({ type, url: view, ts: Date.now(), id: Math.random(), ...fields })
  if (document.hidden) flush(true)
}

/**
 * Sends what is queued. `final` is for a page that is being hidden or left: it uses sendBeacon,
 * which outlives the page, and ignores a pending Retry-After.
 */
export function flush(final?: boolean): void {
  if (!queue.length || (!final && Date.now() < retryAt!)) return
  // post() sends or splits at once; only a failure, later, puts events back in the queue.
  post(queue, final)
  queue = []
}

/**
 * Reads each value as the page holds it, so a `toJSON` the page put on Array.prototype (old
 * Prototype.js) cannot turn the events into a string.
 */
function own(this: Record<string, unknown>, key: string): unknown {
  return this[key]
}

function post(events: WireEvent[], final?: boolean): void {
  const body = JSON.stringify({ v: PROTOCOL_VERSION, ...(context ||= readContext()), events }, own)
  const fits = events.length <= MAX_EVENTS_PER_BATCH && new Blob([body]).size <= MAX_BODY_BYTES
  if (fits && final && navigator.sendBeacon?.(endpoint, body)) return
  // sendBeacon refuses a body when the beacons in flight would carry more than 64 KiB together: a
  // page being left splits its batch until the parts fit in what is left, so that nothing is lost
  // that could be sent. An event that fits nowhere goes by fetch below, and is kept if that fails.
  if (events.length > 1 && (final || !fits)) {
    const half = events.length >> 1
    post(events.slice(0, half), final)
    post(events.slice(half), final)
    return
  }
  // Not stored (the collector is busy, away or behind a failing proxy): keep the batch and try
  // again later, after Retry-After at least, waiting twice as long after every failure in a row
  // (3 s up to 48 s). The queue keeps the newest 500 events.
  // A failed fetch passes its error as `seconds`, which counts as no Retry-After (NaN || 0).
  const again = (seconds?: unknown) => {
    retryAt = Date.now() + Math.max((seconds as number) * 1000 || 0, 3000 << Math.min(failures++, 4))
    queue = events.concat(queue).slice(-500)
  }
  // keepalive outlives the page but shares a 64 KiB in-flight quota: only for a page being left.
  fetch(endpoint, { method: 'POST', body, keepalive: final }).then(
    (r) => (r.status > 499 || r.status == 429 ? again(+r.headers.get('retry-after')!) : (failures = 0)),
    again,
  )
}

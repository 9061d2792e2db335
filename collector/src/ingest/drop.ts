import { utcDay } from './visitor.ts'
import type { OptOutSignal } from '../privacy/opt-out.ts'

/** An event of a batch that could not be stored, or a part of it that was not (`stored`), by its index in the batch. */
export interface EventError {
  index: number
  error: string
  /** True when the event was stored without the part the error names. */
  stored?: true
}

/** Why a request, or some events of a batch, were not stored. */
export type DropReason =
  | 'content_type' | 'content_encoding' | 'opted_out' | 'invalid' | 'no_salt' | 'rate_limited'
  | 'unknown_site' | 'bad_origin' | 'bot' | 'spam' | 'spool_full' | 'repeated'

interface DropPolicy {
  /** The status of the answer when the whole request is dropped for this reason. */
  status: number
  /** The `reason` label of `tellen_rejected_total`; none when the drop is not counted there. */
  metric?: string
  /** Counted in `tellen.rejections` with the site and the address prefix. */
  securityView: boolean
}

/**
 * What each reason means for the answer, the metrics and the security view. A visitor who opted
 * out, or a request that could not be read as a batch, is counted in neither; a request refused
 * because the collector cannot take it (no salt, spool full) is counted as `unavailable` only.
 */
export const DROP_POLICY: Readonly<Record<DropReason, DropPolicy>> = {
  content_type: { status: 415, securityView: false },
  content_encoding: { status: 415, securityView: false },
  opted_out: { status: 202, securityView: false },
  invalid: { status: 400, metric: 'invalid', securityView: true },
  no_salt: { status: 503, metric: 'unavailable', securityView: false },
  rate_limited: { status: 429, metric: 'rate_limited', securityView: true },
  unknown_site: { status: 403, metric: 'unknown_site', securityView: true },
  bad_origin: { status: 403, metric: 'bad_origin', securityView: true },
  bot: { status: 202, metric: 'bot', securityView: true },
  spam: { status: 202, metric: 'spam', securityView: true },
  spool_full: { status: 503, metric: 'unavailable', securityView: false },
  repeated: { status: 202, metric: 'repeated', securityView: false },
}

/** How long a client is asked to wait when the collector cannot take events. */
export const UNAVAILABLE_RETRY_SECONDS = 30

/**
 * What was not stored and why: a whole request (what a step returns instead of the batch), or some
 * events of a stored batch. The answer to the client, the metrics and the security view all read it.
 * @example
 * const d = new Drop('unknown_site', 'site "nope.org" is not registered with this collector')
 * d.status // 403
 */
export class Drop {
  readonly ok = false
  /** The status of the answer: the reason's, or 202 for events dropped from a batch that was stored. */
  status: number
  /** How many events the drop counts for (1 for a request that was not read as a batch). */
  events = 1
  /** The registered site the request named, when known. */
  declare site?: string
  declare retryAfterSeconds?: number
  /** The events refused by index, when no event of the batch was valid. */
  declare errors?: EventError[]
  /** The opt-out signal that was honoured. */
  declare signal?: OptOutSignal
  /** Other events of the same request dropped for another reason, counted with this drop. */
  declare besides?: Drop[]

  constructor(
    readonly reason: DropReason,
    /** What is wrong, in a sentence for the client. */
    readonly error: string,
    more: Partial<Pick<Drop, 'status' | 'events' | 'site' | 'retryAfterSeconds' | 'errors' | 'signal' | 'besides'>> = {},
  ) {
    this.status = DROP_POLICY[reason].status
    // Only the fields given: a drop for no site has no `site` at all.
    for (const [key, value] of Object.entries(more)) if (value !== undefined) (this as Record<string, unknown>)[key] = value
  }
}

/** True for a step's result that is a drop rather than what it passes on. */
export const isDrop = (v: unknown): v is Drop => v instanceof Drop

/** A batch that was turned into rows, with the events of it that were dropped. */
export interface Stored {
  ok: true
  site: string
  /** Rows for `tellen.events_in`: JSON arrays in the order of `EVENT_COLUMNS` (event-row.ts). */
  rows: string[]
  /** The `id` the client gave the event of each row, if any (steps/once.ts). */
  ids: (number | undefined)[]
  errors: EventError[]
  /** The address's truncated prefix, as given or derived (for counting the drops in the security view). */
  ipPrefix: string
  /** Events of the batch dropped one by one (spam, invalid), one drop per reason. */
  drops: Drop[]
}

/** What the pipeline returns for a request. */
export type Outcome = Stored | Drop

/** The answer to a dropped request: its status, body and any extra header. */
export function answerOf(d: Drop): { status: number; body: Record<string, unknown>; headers?: Record<string, string> } {
  if (d.reason === 'opted_out') return { status: d.status, body: { accepted: 0, honoured: d.signal } }
  if (d.status < 300) return { status: d.status, body: { accepted: 0, dropped: d.events, reason: d.reason } }
  const body = d.errors ? { error: d.error, accepted: 0, errors: d.errors } : { error: d.error }
  return d.retryAfterSeconds === undefined ? { status: d.status, body } : { status: d.status, body, headers: { 'retry-after': String(d.retryAfterSeconds) } }
}

/** Where drops are counted: the rejected metric and `tellen.rejections`. */
export interface DropCounters {
  rejected: { inc(labels: { reason: string }, n: number): void }
  rejections: { add(key: Readonly<Record<string, string>>, n?: number): void }
}

/**
 * Counts a drop (and those beside it) in the metric and the security view as its reason says.
 * @example
 * countDrop(new Drop('bot', 'crawler', { events: 3, site: 'example.com' }), '203.0.113.0/24', Date.now(), counters)
 */
export function countDrop(d: Drop, ipPrefix: string, now: number, counters: DropCounters): void {
  const policy = DROP_POLICY[d.reason]
  if (policy.metric) counters.rejected.inc({ reason: policy.metric }, d.events)
  if (policy.securityView) counters.rejections.add({ site: d.site ?? '', day: utcDay(now), reason: d.reason, ip_prefix: ipPrefix }, d.events)
  for (const other of d.besides ?? []) countDrop(other, ipPrefix, now, counters)
}

import { z } from 'zod'
import {
  ERROR_KIND_OF_ELEMENT, ERROR_KINDS, EXIT_KINDS, GRID_COLUMNS, GRID_ROWS, MAX_EVENTS_PER_BATCH, MAX_PROPS, MAX_URL_LENGTH,
  PROTOCOL_VERSION, TIMING_METRICS,
} from '../protocol.ts'

const url = z.string().min(1).max(MAX_URL_LENGTH)
const shortText = (max: number) => z.string().max(max)
const base = { url, ts: z.number().int().nonnegative().optional() }

const pageview = z.object({ ...base, type: z.literal('pageview'), referrer: url.or(z.literal('')).optional() })
const leave = z.object({
  ...base,
  type: z.literal('leave'),
  exit: z.enum(EXIT_KINDS),
  target: shortText(MAX_URL_LENGTH).optional(),
  engaged: z.number().int().min(0).max(86_400_000).optional(),
  scroll: z.number().int().min(0).max(100).optional(),
  grid: z.array(z.number().int().min(0).max(1_000_000)).length(GRID_COLUMNS * GRID_ROWS).optional(),
})
const timing = z.object({
  ...base,
  type: z.literal('timing'),
  metric: z.enum(TIMING_METRICS),
  value: z.number().min(0).max(3_600_000),
})
/**
 * A kind of ERROR_KINDS, or the tag name of the element that failed, mapped to its kind; only the
 * table's own names count (a tag named `constructor` is not `Object.prototype.constructor`).
 */
const errorKind = z.enum(ERROR_KINDS).or(
  z.string().max(40).transform((tag) => {
    const name = tag.toLowerCase()
    return Object.hasOwn(ERROR_KIND_OF_ELEMENT, name) ? ERROR_KIND_OF_ELEMENT[name]! : 'other'
  }),
)
const error = z.object({ ...base, type: z.literal('error'), kind: errorKind, resource: url })
const download = z.object({ ...base, type: z.literal('download'), resource: url })
const click = z.object({
  ...base,
  type: z.literal('click'),
  el: shortText(200),
  cx: z.number().int().min(0).max(GRID_COLUMNS - 1),
  cy: z.number().int().min(0).max(GRID_ROWS - 1),
})
const call = z.object({ ...base, type: z.literal('call'), number: shortText(40).regex(/^[+0-9 ()./-]*$/, 'is not a phone number') })
const custom = z.object({
  ...base,
  type: z.literal('custom'),
  name: z.string().min(1).max(100),
  props: z
    .record(z.string().min(1).max(100), z.union([z.string().max(500), z.number(), z.boolean()]))
    .refine((p) => Object.keys(p).length <= MAX_PROPS, `has more than ${MAX_PROPS} properties`)
    .optional(),
})

/** One event of a batch; `type` selects which fields apply. */
export const eventSchema = z.discriminatedUnion('type', [pageview, leave, timing, error, download, click, call, custom])
export type WireEvent = z.infer<typeof eventSchema>

/** A batch as the SDK sends it: page context once, then the events. */
export const batchSchema = z.object({
  v: z.literal(PROTOCOL_VERSION, { error: `v must be ${PROTOCOL_VERSION}` }),
  site: z.string().min(1).max(253),
  /** Screen width and height in CSS pixels, IANA time zone and language tag of the browser. */
  sw: z.number().int().min(0).max(100_000).optional(),
  sh: z.number().int().min(0).max(100_000).optional(),
  tz: shortText(64).optional(),
  lang: shortText(35).optional(),
  /** The site uses hash routing: a fragment starting with `#/` is part of the page path. */
  hash: z.boolean().optional(),
  events: z.array(z.unknown()).min(1, 'events is empty').max(MAX_EVENTS_PER_BATCH, `more than ${MAX_EVENTS_PER_BATCH} events`),
})
export type WireBatch = z.infer<typeof batchSchema>

/** Says what is wrong with a value in one short sentence: `events.0.url: Invalid input`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ')
}

import { Ajv2020 } from 'ajv/dist/2020.js'
import { z } from 'zod'
import { languageTag, timeZoneName } from './locale.ts'
import { scrubText } from './scrub.ts'
import {
  ERROR_KIND_OF_ELEMENT, ERROR_KINDS, EXIT_KINDS, GRID_COLUMNS, GRID_ROWS, MAX_EVENTS_PER_BATCH, MAX_PROPERTY_KEY_LENGTH, MAX_PROPS, MAX_URL_LENGTH,
  PROTOCOL_VERSION, TIMING_METRICS,
} from '../protocol.ts'

const url = z.string().min(1).max(MAX_URL_LENGTH)
const shortText = (max: number) => z.string().max(max)
/**
 * `id`: a random number in [0, 1) that the script gives each event, so that an event sent again (its
 * answer lost) is stored once (steps/once.ts); never stored.
 */
const base = { url, ts: z.number().int().nonnegative().optional(), id: z.number().min(0).lt(1).optional() }

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
/** A property key: an identifier, so that it names a property rather than carrying data. */
const PROPERTY_KEY = new RegExp(`^[A-Za-z0-9_.-]{1,${MAX_PROPERTY_KEY_LENGTH}}$`)
/** Why a property key cannot be stored, or undefined when it can: it must be an identifier the scrubber leaves as it is. */
export function propertyKeyProblem(key: string): string | undefined {
  if (!PROPERTY_KEY.test(key)) return `is not an identifier (letters, digits, _, - and ., at most ${MAX_PROPERTY_KEY_LENGTH} characters)`
  if (scrubText(key) !== key) return 'looks like personal data (an address, a number, an id or a token)'
  return undefined
}
const custom = z.object({
  ...base,
  type: z.literal('custom'),
  name: z.string().min(1).max(100),
  props: z
    // A key that objects treat specially is refused, not dropped unseen (a record never checks its value).
    .custom<object>((p) => !(p && typeof p === 'object' && Object.hasOwn(p, '__proto__')), 'must not have a property named __proto__')
    .pipe(z.record(z.string().min(1).max(100), z.union([z.string().max(500), z.number(), z.boolean()])))
    // A key that is not an identifier leaves out that property only (kinds.ts), not the event.
    .refine((p) => Object.keys(p).length <= MAX_PROPS, `has more than ${MAX_PROPS} properties`)
    .optional(),
})

/** One event of a batch; `type` selects which fields apply. */
export const eventSchema = z.discriminatedUnion('type', [pageview, leave, timing, error, download, click, call, custom])
export type WireEvent = z.infer<typeof eventSchema>
/**
 * The types whose schema is only shapes and bounds (no transform, no refinement), so that a value
 * that passes their JSON Schema is exactly what zod would return, less keys the pipeline never reads.
 */
const PLAIN_EVENTS = [pageview, leave, timing, download, click, call] as const

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

export type ParseResult<T> = { success: true; data: T } | { success: false; error: z.ZodError }

/**
 * Compiled JSON Schema checks made from the zod schemas (`z.toJSONSchema`), so that the protocol's
 * rules are written once. Lengths are UTF-16 units (`unicode: false`, which ajv marks deprecated but
 * honours; its logger, which would only print that notice, is off, and strict mode throws on
 * anything else): counting code points, as zod does, walks every string and cost the check five
 * times its time. A string within a bound in code points but not in units fails the check and is
 * left to zod, which has the last word. Patterns have no `u` flag, as zod's regular expressions.
 * The schemas are zod's own output, so they are not checked against JSON Schema's meta-schema
 * (`validateSchema: false`): compiling that took 70 of the 100 ms these checks cost each process
 * that starts (a collector, a CLI command); strict mode still refuses an unknown keyword.
 */
const ajv = new Ajv2020({ unicode: false, unicodeRegExp: false, strict: true, logger: false, validateSchema: false })
const compile = (schema: z.ZodType) => {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input' })
  return ajv.compile(json)
}

/**
 * `schema.safeParse` with a fast path: a value that passes `fast` (compiled from the same rules, at
 * most as lenient) is returned as it is, without the copy zod makes; anything else is parsed by zod,
 * which has the last word and says what is wrong. Zod costs about 260 ns per event of the benches'
 * traffic and allocates a copy of each; the compiled check about 40 ns and nothing. Tests keep
 * the two in agreement at every bound of every field.
 */
function fastParse<T>(schema: z.ZodType<T>, fast: (v: unknown) => boolean): (value: unknown) => ParseResult<T> {
  return (value) => (fast(value) ? { success: true, data: value as T } : (schema.safeParse(value) as ParseResult<T>))
}

/** One compiled check per plain event type, chosen by `type` as zod's discriminated union does. */
const plainChecks = new Map(PLAIN_EVENTS.map((schema) => [schema.shape.type.value as string, compile(schema)]))
const isPlainEvent = (v: unknown) => {
  const check = typeof v === 'object' && v !== null ? plainChecks.get((v as { type?: unknown }).type as string) : undefined
  return check !== undefined && check(v)
}

/** Parses one event of a batch (see `fastParse`); error and custom events always go through zod. */
export const parseEvent = fastParse<WireEvent>(eventSchema, isPlainEvent)

const parseEnvelope = fastParse<WireBatch>(batchSchema, compile(batchSchema))

/**
 * Parses a batch's envelope (see `fastParse`); its events are parsed one by one with `parseEvent`.
 * `tz` and `lang` are free text on the wire: they come back as a zone and a language tag the runtime
 * knows, or '' (locale.ts).
 */
export function parseBatch(value: unknown): ParseResult<WireBatch> {
  const parsed = parseEnvelope(value)
  if (parsed.success) {
    parsed.data.tz = timeZoneName(parsed.data.tz)
    parsed.data.lang = languageTag(parsed.data.lang)
  }
  return parsed
}

/** Says what is wrong with a value in one short sentence: `events.0.url: Invalid input`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ')
}

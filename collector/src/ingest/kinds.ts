import type { z } from 'zod'
import type { TYPE_COLUMNS } from './event-row.ts'
import { classifyReferrer, type ParsedReferrer } from './referrer.ts'
import { eventSchema, propertyKeyProblem, type WireEvent } from './schema.ts'
import { scrubText } from './scrub.ts'
import { cleanUrl, type CleanOptions } from './url.ts'
import { wellFormed } from './well-formed.ts'
import type { EventType } from '../protocol.ts'

/** The columns of `tellen.events_in` that depend on the kind of event (event-row.ts), empty ones left out. */
export type KindColumns = Partial<typeof TYPE_COLUMNS>

/** What the columns of an event may depend on beside the event: its site and page. */
export interface KindContext {
  site: string
  /** The page's query parameters that were kept. */
  params: Map<string, string>
  cleanOptions: CleanOptions
  /** A page view's referrer, parsed once for the spam list and the source. */
  referrer: ParsedReferrer | undefined
  /** Each part of the event left out (the event itself is stored), as a sentence naming it; made on the first. */
  leftOut?: string[]
}

/** Everything the collector knows of one kind of event. */
export interface EventKind<K extends EventType> {
  /** Its wire fields and their validation: the member of `eventSchema` (schema.ts) for this `type`. */
  wire: z.ZodObject
  /** Its kind-specific columns, or a sentence saying why the event cannot be stored. */
  columns(event: Extract<WireEvent, { type: K }>, context: KindContext): KindColumns | string
  /**
   * The tables its rows feed through materialized views, hour by hour (each has a daily twin fed
   * from it, `<name>_daily`, where one exists). `visit_events` and `visit_details` feed the visits
   * job's tables.
   */
  rollups: readonly string[]
}

/** The zod object of `eventSchema` whose `type` is `kind`. */
function wireOf(kind: EventType): z.ZodObject {
  const found = eventSchema.options.find((o) => o.shape.type.value === kind)
  if (!found) throw new Error(`eventSchema has no member of type ${kind}`)
  return found as unknown as z.ZodObject
}

/** A resource's host and path, or the sentence of a field that is not an http(s) URL. */
function resourceOf(raw: string, field: string, options: CleanOptions): string | { error: string } {
  const u = cleanUrl(raw, options)
  return u ? `${u.hostname}${u.path}` : { error: `${field} is not an http(s) URL` }
}

/**
 * Every kind of event the collector stores, in one place. Adding a kind means a member here and in
 * `eventSchema`, a migration for its rollups, the SDK code that sends it and the stats queries that
 * read it (docs/design.md, "Ingest steps").
 */
export const KINDS: { readonly [K in EventType]: EventKind<K> } = {
  pageview: {
    wire: wireOf('pageview'),
    columns: (event, { site, params, referrer }) => {
      const ref = classifyReferrer(event.referrer, site, params.get('utm_source') ?? params.get('ref'), referrer)
      return { referrer_host: ref.host, source: ref.source }
    },
    rollups: ['rollup_pages', 'rollup_technology', 'rollup_locations', 'rollup_site', 'visit_events'],
  },
  leave: {
    wire: wireOf('leave'),
    columns: (event, { cleanOptions }) => {
      let target = ''
      if (event.target) {
        const u = cleanUrl(event.target, cleanOptions)
        if (!u) return 'target is not an http(s) URL'
        target = event.exit === 'outbound' ? u.hostname : `${u.hostname}${u.path}`
      }
      return { name: event.exit, target, value: event.engaged ?? 0, scroll: event.scroll ?? 0, grid: event.grid ?? [] }
    },
    rollups: ['rollup_scroll', 'rollup_leaving', 'rollup_scroll_audience', 'visit_events', 'visit_details'],
  },
  timing: {
    wire: wireOf('timing'),
    columns: (event) => ({ name: event.metric, value: event.value }),
    rollups: ['rollup_timings', 'rollup_timings_site', 'visit_details'],
  },
  error: {
    wire: wireOf('error'),
    columns: (event, { cleanOptions }) => {
      const resource = resourceOf(event.resource, 'resource', cleanOptions)
      return typeof resource === 'string' ? { name: event.kind, target: resource } : resource.error
    },
    rollups: ['rollup_errors'],
  },
  download: {
    wire: wireOf('download'),
    columns: (event, { cleanOptions }) => {
      const resource = resourceOf(event.resource, 'resource', cleanOptions)
      return typeof resource === 'string' ? { target: resource } : resource.error
    },
    rollups: ['rollup_errors', 'visit_events'],
  },
  // What a page names itself (an element's id, an event's name and properties) is scrubbed as URLs
  // are: a page may put an e-mail address, an order number or a token there.
  click: {
    wire: wireOf('click'),
    columns: (event) => ({ target: scrubText(event.el), cell_x: event.cx, cell_y: event.cy }),
    rollups: ['rollup_clicks', 'visit_events', 'visit_details'],
  },
  call: {
    wire: wireOf('call'),
    columns: (event) => ({ target: event.number.replace(/[^+0-9]/g, '') }),
    rollups: ['rollup_calls', 'visit_events'],
  },
  custom: {
    wire: wireOf('custom'),
    columns: (event, context) => {
      const props: Record<string, string> = Object.create(null)
      for (const [k, v] of Object.entries(event.props ?? {})) {
        const problem = propertyKeyProblem(k)
        if (problem) (context.leftOut ??= []).push(`property key ${JSON.stringify(k)} ${problem}: that property is not stored`)
        else props[wellFormed(k)] = scrubText(String(v))
      }
      return { name: scrubText(event.name), props }
    },
    rollups: ['rollup_custom', 'visit_events'],
  },
}

/**
 * The kind-specific columns of a valid event, or a sentence saying why it cannot be stored.
 * @example
 * kindColumns({ type: 'timing', url, metric: 'lcp', value: 1200 }, context) // { name: 'lcp', value: 1200 }
 */
export function kindColumns(event: WireEvent, context: KindContext): KindColumns | string {
  return (KINDS[event.type].columns as (e: WireEvent, c: KindContext) => KindColumns | string)(event, context)
}

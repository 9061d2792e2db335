/**
 * Constants of the wire format (docs/protocol.md), shared by the collector and the SDK so the two
 * cannot disagree. Version 1.
 */
export const PROTOCOL_VERSION = 1

/** Event types a batch may carry. */
export const EVENT_TYPES = ['pageview', 'leave', 'timing', 'error', 'download', 'click', 'call', 'custom'] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** How a visitor left a page. */
export const EXIT_KINDS = [
  'internal', 'outbound', 'download', 'tel', 'mailto', 'form', 'reload', 'back_forward', 'hidden',
] as const

/** Navigation Timing figures and Core Web Vitals, in milliseconds (CLS: unitless). */
export const TIMING_METRICS = ['ttfb', 'dcl', 'load', 'fcp', 'lcp', 'inp', 'cls'] as const

/** Kinds of resource that failed to load. */
export const ERROR_KINDS = ['img', 'script', 'css', 'media', 'fetch', 'other'] as const

/**
 * An error event may name the element that failed instead of the kind (the SDK sends the element's
 * tag name, which keeps it small); the collector maps it with this table, anything else is `other`.
 */
export const ERROR_KIND_OF_ELEMENT: Readonly<Record<string, (typeof ERROR_KINDS)[number]>> = {
  img: 'img', image: 'img', script: 'script', link: 'css', style: 'css', video: 'media', audio: 'media', source: 'media', track: 'media',
}

/** Clicks and mouse movement are counted per cell of a page-relative grid of this size. */
export const GRID_COLUMNS = 10
export const GRID_ROWS = 10

export const MAX_EVENTS_PER_BATCH = 500
export const MAX_URL_LENGTH = 2048
export const MAX_PROPS = 30
/** The longest property key of a custom event; a key is an identifier (letters, digits, `_`, `-`, `.`). */
export const MAX_PROPERTY_KEY_LENGTH = 40

/** A request body never exceeds this many bytes (the sendBeacon limit); the SDK splits batches below it. */
export const MAX_BODY_BYTES = 65_536

/**
 * The name the dashboard gives the frame in which it shows a site's page under the heatmaps. A page
 * in a frame of this name tracks nothing; its after-load chunk answers `PAGE_SIZE_REQUEST` from the
 * dashboard with a `PageSizeAnswer` (docs/protocol.md, "The heatmap frame").
 */
export const HEATMAP_FRAME_NAME = 'tellen'
export const PAGE_SIZE_REQUEST = 'tellen:page-size?'
export const PAGE_SIZE_ANSWER = 'tellen:page-size'

/** The page's height in CSS pixels as laid out in the frame: the height the grid's rows divide. */
export interface PageSizeAnswer {
  type: typeof PAGE_SIZE_ANSWER
  height: number
}

import type { EventType } from '../protocol.ts'

/**
 * The privacy rules Tellen enforces, in one place. The code reads these constants and the privacy
 * statement (`tellen privacy-statement`) is generated from them, so the two cannot drift apart.
 */

/** Query parameters kept on every site; each site may allow more (`tellen sites --allow-params`). */
export const QUERY_ALLOWLIST = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'ref'] as const

/** Bits of a client address that may be kept: the allowed range and the default of each family. */
export const IPV4_PREFIX = { min: 8, max: 24, default: 24 } as const
export const IPV6_PREFIX = { min: 16, max: 48, default: 48 } as const

/** Days anonymised events are kept (`TELLEN_EVENTS_RETENTION_DAYS`); 0: never stored. */
export const EVENTS_RETENTION_DAYS = { min: 0, max: 3650, default: 30 } as const
/** Days rollups are kept (`TELLEN_ROLLUP_RETENTION_DAYS`); 0: kept until deleted. */
export const ROLLUP_RETENTION_DAYS = { min: 0, max: 36_500, default: 760 } as const
/** Days the counts of refused requests (`tellen.rejections`) are kept: the TTL in sql/004_rejections.sql. */
export const REJECTIONS_RETENTION_DAYS = 30

/** A day's salt is deleted this long after the UTC day ends; after that its visitor hashes cannot be recomputed. */
export const SALT_KEEP_HOURS_AFTER_DAY = 48
/** Bytes of randomness in a daily salt. */
export const SALT_BYTES = 32
/** Bits of the keyed hash (HMAC-SHA-256) that are kept as the visitor hash. */
export const VISITOR_HASH_BITS = 64

/** Request headers whose value `1` means "do not track me". */
export const OPT_OUT_HEADERS = { dnt: 'DNT', gpc: 'Sec-GPC' } as const
/** The W3C tracking status value Tellen answers: N, not tracking. */
export const TRACKING_STATUS = 'N'
/** Date of the last change of the GPC support statement at `/.well-known/gpc.json`. */
export const GPC_LAST_UPDATE = '2026-11-25'

/** What personal-looking parts of a URL path are replaced with. */
export const URL_PLACEHOLDERS = { email: ':email', ip: ':ip', number: ':number', id: ':id', token: ':token' } as const

/** What each collected event type records and why, in the languages of the privacy statement. */
export const COLLECTED: Record<EventType, { en: string; nl: string }> = {
  pageview: {
    en: 'Page views: the page address (cleaned as described below), the referring website (its host name only) and campaign tags, to count visits and see where visitors come from.',
    nl: "Paginabezoeken: het adres van de pagina (opgeschoond zoals hieronder beschreven), de verwijzende website (alleen de hostnaam) en campagnelabels, om bezoeken te tellen en te zien waar bezoekers vandaan komen.",
  },
  leave: {
    en: 'Leaving a page: how the page was left (link, download, form, reload, closing), time spent on it, how far it was scrolled and a coarse grid of mouse movement counts, to see whether pages are read and how visitors move on.',
    nl: 'Verlaten van een pagina: hoe de pagina werd verlaten (link, download, formulier, herladen, sluiten), de tijd op de pagina, hoe ver er gescrold is en een grof raster van muisbewegingen, om te zien of pagina\'s gelezen worden en hoe bezoekers verder gaan.',
  },
  timing: {
    en: 'Page speed: load times and Core Web Vitals, to find slow pages.',
    nl: 'Laadsnelheid: laadtijden en Core Web Vitals, om trage pagina\'s te vinden.',
  },
  error: {
    en: 'Failed resources: the address of an image, script, style sheet or file that did not load, to repair broken pages.',
    nl: 'Mislukte onderdelen: het adres van een afbeelding, script, stijlblad of bestand dat niet laadde, om kapotte pagina\'s te herstellen.',
  },
  download: {
    en: 'Downloads: the address of a file that was downloaded, to know which files are used.',
    nl: 'Downloads: het adres van een gedownload bestand, om te weten welke bestanden gebruikt worden.',
  },
  click: {
    en: 'Clicks: which element was clicked (its tag and name, never its text) and a coarse position on the page, to improve page layout.',
    nl: 'Klikken: op welk element geklikt werd (de tag en naam, nooit de tekst) en een grove positie op de pagina, om de opmaak te verbeteren.',
  },
  call: {
    en: "Phone links: clicks on the site's own telephone numbers, to count calls that start from the site.",
    nl: 'Telefoonlinks: klikken op de eigen telefoonnummers van de site, om gesprekken te tellen die via de site beginnen.',
  },
  custom: {
    en: 'Custom events: named events the site defines (such as a completed sign-up), with the properties it gives them, cleaned as page addresses are, to measure its goals.',
    nl: 'Eigen gebeurtenissen: benoemde gebeurtenissen die de site zelf definieert (zoals een voltooide aanmelding), met de eigenschappen die de site meegeeft, opgeschoond zoals paginaadressen, om doelen te meten.',
  },
}

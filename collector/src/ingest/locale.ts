import { LRUCache } from 'lru-cache'

/** Distinct values remembered: browsers send few zones and languages, a flood sends many. */
const CACHE_SIZE = 2000

/**
 * The zones the runtime knows, by their canonical names, and the UTC aliases it lists under none, keyed
 * lowercased. A lookup, not `Intl.DateTimeFormat`: constructing one costs about half a millisecond,
 * which a flood of made-up zone names would make every request pay.
 */
const KNOWN_ZONES = new Map(
  [...Intl.supportedValuesOf('timeZone'), 'UTC'].map((zone) => [zone.toLowerCase(), zone] as const).concat(
    ['etc/utc', 'etc/uct', 'uct', 'etc/universal', 'universal', 'etc/zulu', 'zulu', 'gmt', 'etc/gmt'].map((alias) => [alias, 'UTC'] as const),
  ),
)

const CANONICAL_ZONES: ReadonlySet<string> = new Set(KNOWN_ZONES.values())

/**
 * The browser's time zone as stored: an IANA zone the runtime knows (`Intl.supportedValuesOf`, and
 * UTC under its aliases), in the runtime's spelling, or '' for anything else (a page can put any text
 * in the field).
 * @example timeZoneName('europe/amsterdam') // 'Europe/Amsterdam'
 * @example timeZoneName('jan@example.nl') // ''
 */
export function timeZoneName(tz: string | undefined): string {
  if (!tz) return ''
  // As browsers send it: the runtime's own spelling, found without lowercasing.
  if (CANONICAL_ZONES.has(tz)) return tz
  const key = tz.toLowerCase()
  return KNOWN_ZONES.get(key) ?? aliasOf(key)
}

/** Known zones by their last part (the city), for names the runtime spells otherwise (`America/Argentina/Buenos_Aires`). */
const ZONES_BY_CITY = new Map([...KNOWN_ZONES.values()].map((zone) => [zone.slice(zone.lastIndexOf('/') + 1).toLowerCase(), zone] as const))
const aliases = new LRUCache<string, string>({ max: CACHE_SIZE })

/**
 * The runtime's name of a zone it also knows by another name, checked with `Intl.DateTimeFormat` only
 * when the city is that of a known zone, so that made-up names cost a lookup; else ''.
 */
function aliasOf(key: string): string {
  const candidate = ZONES_BY_CITY.get(key.slice(key.lastIndexOf('/') + 1))
  if (!candidate || !ZONE_NAME.test(key)) return ''
  let known = aliases.get(key)
  if (known === undefined) {
    known = ''
    try {
      const resolved = new Intl.DateTimeFormat('en', { timeZone: key }).resolvedOptions().timeZone
      if (resolved === candidate) known = resolved
    } catch {
      // not a zone
    }
    aliases.set(key, known)
  }
  return known
}

/** An IANA name starts with a letter; an offset such as `+01:00`, which Intl also takes, does not. */
const ZONE_NAME = /^[a-z][a-z0-9_+\-/]*$/

const languageNames = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' })
const languages = new LRUCache<string, string>({ max: CACHE_SIZE })

/**
 * The browser's language as stored: its canonical tag reduced to language and region (`zh-Hant-TW`
 * → `zh-TW`), for a language the runtime can name; '' for anything else.
 * @example languageTag('EN-us') // 'en-US'
 * @example languageTag('jansen') // ''
 */
export function languageTag(lang: string | undefined): string {
  if (!lang) return ''
  let tag = languages.get(lang)
  if (tag === undefined) {
    tag = ''
    try {
      const [canonical] = Intl.getCanonicalLocales(lang)
      const locale = new Intl.Locale(canonical!)
      if (languageNames.of(locale.language) !== undefined) tag = locale.region ? `${locale.language}-${locale.region}` : locale.language
    } catch {
      // not a language tag
    }
    languages.set(lang, tag)
  }
  return tag
}

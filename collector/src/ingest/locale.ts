import { LRUCache } from 'lru-cache'

/** Distinct values remembered: browsers send few zones and languages, a flood sends many. */
const CACHE_SIZE = 2000

/** The zones the runtime knows by their canonical names, and UTC, which it lists under no name. */
const KNOWN_ZONES = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC'])
/** An IANA name starts with a letter; an offset such as `+01:00`, which Intl also takes, does not. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/

const zones = new LRUCache<string, string>({ max: CACHE_SIZE })

/**
 * The browser's time zone as stored: an IANA zone the runtime knows, in the runtime's spelling, or ''
 * for anything else (a page can put any text in the field).
 * @example timeZoneName('europe/amsterdam') // 'Europe/Amsterdam'
 * @example timeZoneName('jan@example.nl') // ''
 */
export function timeZoneName(tz: string | undefined): string {
  if (!tz) return ''
  let known = zones.get(tz)
  if (known === undefined) {
    known = ''
    if (ZONE_NAME.test(tz)) {
      try {
        const resolved = new Intl.DateTimeFormat('en', { timeZone: tz }).resolvedOptions().timeZone
        // A legacy alias (Asia/Calcutta) resolves to itself in some runtimes: it is still a zone the runtime knows.
        if (KNOWN_ZONES.has(resolved) || resolved.toLowerCase() === tz.toLowerCase()) known = resolved
      } catch {
        // not a zone
      }
    }
    zones.set(tz, known)
  }
  return known
}

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

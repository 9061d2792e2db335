import ipaddr from 'ipaddr.js'
import { URL_PLACEHOLDERS } from '../privacy/policy.ts'

const { email, ip, number, id, token } = URL_PLACEHOLDERS

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
/** An IPv6 address in a text, perhaps: what ipaddr.js accepts, a trailing dot (end of a sentence) left out. */
const ipv6 = (m: string) => {
  const text = m.replace(/\.+$/, '')
  return ipaddr.IPv6.isValid(text) ? ip + m.slice(text.length) : m
}

/** A run of digits that may be grouped as phone numbers are: separators of up to three characters, parentheses around a group. */
const PHONE_LIKE = /(?:\+|\(\+?)?\d(?:[ \u00a0.\-/()]{0,3}\d)+/g
/** The fewest digits of a phone number without its country code (Denmark and Norway have eight). */
const PHONE_MIN_DIGITS = 8
/** Dates and spans of years, which have as many digits as a short phone number. */
const DATE_LIKE = /^(?:\d{4}([-./])\d{1,2}\1\d{1,2}|\d{1,2}([-./])\d{1,2}\2\d{4}|\d{4}[-/]\d{4})$/
const digitCount = (s: string) => {
  let n = 0
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) n++
  return n
}

/**
 * Characters that show nothing or reorder what is shown: format characters (zero-width spaces and
 * joiners, bidi embeddings, overrides and isolates, the byte-order mark, soft hyphens), line and
 * paragraph separators and the Hangul fillers. They are removed; control characters become a space.
 */
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}\u115f\u1160\u3164\uffa0]/gu
const CONTROL = /\p{Cc}+/gu

/**
 * Removes invisible and bidi control characters and turns control characters into a space.
 * @example withoutInvisible('abc\u202edcba') // 'abcdcba'
 */
export const withoutInvisible = (text: string) => text.replace(INVISIBLE, '').replace(CONTROL, ' ')

/** Percent-decoding stops after this many rounds: `%2540` is two, a deeper nesting is not a link a browser follows. */
const MAX_DECODE_ROUNDS = 4

/**
 * Percent-decodes a text until it no longer changes (at most `MAX_DECODE_ROUNDS` times), so that an
 * address encoded twice (`jan%2540example.nl`) is found; a malformed escape ends the decoding.
 * @example decodeRepeatedly('jan%2540example.nl') // 'jan@example.nl'
 */
export function decodeRepeatedly(text: string): string {
  let out = text
  for (let round = 0; round < MAX_DECODE_ROUNDS && out.includes('%'); round++) {
    let next: string
    try {
      next = decodeURIComponent(out)
    } catch {
      break
    }
    if (next === out) break
    out = next
  }
  return out
}

/** What `applyRules` counts of a text once, so that a rule whose shape the text cannot hold is skipped. */
interface TextShape {
  /** ASCII digits: no rule adds any, so the count bounds every later stage of the text. */
  digits: number
  /** A control, invisible or other character outside printable ASCII. */
  unprintable: boolean
}

function shapeOf(text: string): TextShape {
  let digits = 0
  let unprintable = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 48 && c <= 57) digits++
    else if (c < 32 || c > 126) unprintable = true
  }
  return { digits, unprintable }
}

const hasTwoColons = (text: string) => {
  const first = text.indexOf(':')
  return first >= 0 && text.indexOf(':', first + 1) >= 0
}

/** The length of a UUID in its canonical form. */
const UUID_LENGTH = 36
/** The fewest characters of the random-looking run the token rule looks for. */
const TOKEN_MIN_LENGTH = 16
/** The fewest digits of an IPv4 address and of a number the last rule replaces. */
const IPV4_MIN_DIGITS = 4
const NUMBER_MIN_DIGITS = 6

interface Rule {
  pattern: RegExp
  replacement: string | ((match: string) => string)
  /**
   * False when the pattern cannot match the text (`shape` is that of the text before any rule): a
   * necessary condition of the pattern, checked without running it. Placeholders add colons and
   * letters, never digits, `@` or `eyJ`, so the conditions hold for the text as earlier rules left it.
   */
  mayMatch(text: string, shape: TextShape): boolean
}

/** Rules in the order they apply: the more specific shapes first, so a UUID is not read as numbers. */
const RULES: Rule[] = [
  // An e-mail address, perhaps with a +tag.
  { pattern: /[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu, replacement: email, mayMatch: (t) => t.includes('@') },
  // A JSON Web Token: three base64url parts, the first a JSON header ("eyJ").
  { pattern: /eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, replacement: token, mayMatch: (t) => t.includes('eyJ') },
  // An IPv6 address: hex groups and at least two colons, on its own (not a name such as
  // Class::method); first, since one may end in an IPv4 address (::ffff:203.0.113.7).
  { pattern: /(?<![\w:.])(?=[0-9a-f.]*:[0-9a-f.]*:)[0-9a-f:.]{3,}(?![\w:])/gi, replacement: ipv6, mayMatch: hasTwoColons },
  // An IPv4 address, not inside a longer run of dotted numbers (a version such as 1.2.3.4.5).
  {
    pattern: new RegExp(`(?<![\\d.])(?:${OCTET}\\.){3}${OCTET}(?!\\.?\\d)`, 'g'),
    replacement: ip,
    mayMatch: (t, shape) => shape.digits >= IPV4_MIN_DIGITS && t.includes('.'),
  },
  // A UUID in its canonical form (without dashes it is a hex token).
  {
    pattern: /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi,
    replacement: id,
    mayMatch: (t) => t.length >= UUID_LENGTH && t.includes('-'),
  },
  // Random-looking strings: base64/base64url or hex runs that mix letters and digits.
  { pattern: /[A-Za-z0-9_-]{16,}/g, replacement: (m) => (looksRandom(m) ? token : m), mayMatch: (t) => t.length >= TOKEN_MIN_LENGTH },
  // Card and phone numbers in national and international notations: eight digits or more, grouped by
  // spaces, dots, dashes, slashes or parentheses (`+1 (555) 123-4567`, `(020) 123 4567`, `06-12345678`);
  // a date (`2026-12-07`, `07.12.2026`) or a span of years (`2024-2025`) stays.
  {
    pattern: PHONE_LIKE,
    replacement: (m) => (digitCount(m) < PHONE_MIN_DIGITS || DATE_LIKE.test(m) ? m : number),
    mayMatch: (_t, shape) => shape.digits >= PHONE_MIN_DIGITS,
  },
  // Order numbers, account numbers, long ids: six digits or more.
  { pattern: /\d{6,}/g, replacement: number, mayMatch: (_t, shape) => shape.digits >= NUMBER_MIN_DIGITS },
]

/**
 * True when no rule below can match: shorter than the shortest token or JWT, printable ASCII only (no
 * invisible character to remove), no `@`, no `%` (an escape may hide one), fewer than two colons (an IPv6 address has more), and fewer digits than the
 * shortest number rule needs, or than an IPv4 address has when there is a dot. Most path segments
 * are like this, and skip the patterns.
 */
function cannotMatch(text: string): boolean {
  if (text.length >= 15) return false
  let digits = 0
  let colons = 0
  let dots = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    // @ and %, and control, invisible or other characters outside printable ASCII.
    if (c === 64 || c === 37 || c < 32 || c > 126) return false
    if (c === 58 /* : */ && ++colons >= 2) return false
    if (c === 46 /* . */) dots = true
    if (c >= 48 && c <= 57 && (++digits >= 6 || (dots && digits >= 4))) return false
  }
  return !(dots && digits >= 4)
}

/** Class changes between digits and letters, and between lower and upper case inside a word. */
function looksRandom(s: string): boolean {
  for (const piece of s.split(/[-_]/)) {
    // A long run of letters and digits mixed, as hex digests and session ids are.
    if (piece.length >= 16 && /\d/.test(piece) && /[a-z]/i.test(piece)) return true
  }
  if (s.length < 20) return false
  let switches = 0
  let digits = 0
  for (let i = 1; i < s.length; i++) {
    const a = s[i - 1]!
    const b = s[i]!
    if (/\d/.test(b)) digits++
    const da = /\d/.test(a)
    const db = /\d/.test(b)
    if (da !== db && /[A-Za-z0-9]/.test(a) && /[A-Za-z0-9]/.test(b)) switches++
    else if (/[a-z]/.test(a) && /[A-Z]/.test(b)) switches++
  }
  // Words and slugs change class rarely; 20 random base64 characters change class about a dozen times.
  if (digits >= 2 && switches >= 6 && switches / s.length >= 0.25) return true
  return classChanges(s) >= MIN_CLASS_CHANGES
}

/** Changes between lower case, upper case and digits that mark a run of base64 as random, whatever its dashes. */
const MIN_CLASS_CHANGES = 8
/** The share of neighbouring letters and digits that change class in random base64 (about 0.65) and in camelCase words (under 0.3) lies around this. */
const RANDOM_CLASS_CHANGE_SHARE = 0.35

/** The class of a character for `classChanges`: 1 a digit, 2 upper case, 3 lower case, 0 anything else. */
const classOf = (c: number) => (c >= 48 && c <= 57 ? 1 : c >= 65 && c <= 90 ? 2 : c >= 97 && c <= 122 ? 3 : 0)

/**
 * Class changes (lower, upper, digit, either way) between neighbouring letters and digits once `-`
 * and `_` are left out, when they are at least `RANDOM_CLASS_CHANGE_SHARE` of the neighbours; else 0.
 * Catches base64url tokens that dashes cut into short pieces (`sk_live_-LveA18GBPogs_j7H_jl-RZG`).
 */
function classChanges(s: string): number {
  let previous = 0
  let pairs = 0
  let changes = 0
  for (let i = 0; i < s.length; i++) {
    const current = classOf(s.charCodeAt(i))
    if (current === 0) continue
    if (previous !== 0) {
      pairs++
      if (current !== previous) changes++
    }
    previous = current
  }
  return pairs > 0 && changes / pairs >= RANDOM_CLASS_CHANGE_SHARE ? changes : 0
}

/**
 * Replaces what may identify a person in a piece of text (a path segment or a query value) with a
 * placeholder: e-mail addresses `:email`, IP addresses `:ip`, UUIDs `:id`, JWTs and random-looking
 * tokens `:token`, card, phone and order numbers `:number`; removes invisible and bidi control
 * characters. Percent-escapes are decoded first, repeatedly, so an encoded address is found too;
 * text in which nothing is found is returned as it came. Ordinary words, slugs, dates and short
 * numbers stay.
 * @example scrubText('jan@example.nl') // ':email'
 * @example scrubText('jan%2540example.nl') // ':email'
 */
export function scrubText(text: string): string {
  if (cannotMatch(text)) return text
  const decoded = text.includes('%') ? decodeRepeatedly(text) : text
  const scrubbed = applyRules(decoded)
  return scrubbed === decoded ? text : scrubbed
}

/**
 * Every rule in order, without the shortcut of `scrubText` and without decoding; a rule the text's
 * shape rules out is skipped unless `skipImpossible` is false (for tests).
 */
export function applyRules(text: string, skipImpossible = true): string {
  // Each pattern costs a scan of the text (the IPv6 one a lookbehind at every character); most
  // texts that reach here are long slugs whose shape rules out all but one or two of them.
  const shape = shapeOf(text)
  let out = shape.unprintable || !skipImpossible ? withoutInvisible(text) : text
  for (const rule of RULES) {
    if (skipImpossible && !rule.mayMatch(out, shape)) continue
    out = typeof rule.replacement === 'string' ? out.replace(rule.pattern, rule.replacement) : out.replace(rule.pattern, rule.replacement)
  }
  return out
}

const encodeSegment = (s: string) => encodeURI(s).replace(/[?#]/g, (c) => encodeURIComponent(c))

/**
 * Scrubs every segment of a URL path (see `scrubText`, which decodes percent-escapes so that an
 * encoded address, `jan%40example.nl` or `jan%2540example.nl`, is found too). Segments without a
 * match are left as they are; the others are stored scrubbed and encoded again.
 * @example scrubPath('/unsubscribe/jan%40example.nl/3f2b1c9e-8a7d-4c1e-9b2a-1d2e3f4a5b6c')
 * // '/unsubscribe/:email/:id'
 */
export function scrubPath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      const scrubbed = scrubText(segment)
      return scrubbed === segment ? segment : encodeSegment(scrubbed)
    })
    .join('/')
}

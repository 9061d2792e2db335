import ipaddr from 'ipaddr.js'
import { URL_PLACEHOLDERS } from '../privacy/policy.ts'

const { email, ip, number, id, token } = URL_PLACEHOLDERS

const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)'
/** An IPv6 address in a text, perhaps: what ipaddr.js accepts, a trailing dot (end of a sentence) left out. */
const ipv6 = (m: string) => {
  const text = m.replace(/\.+$/, '')
  return ipaddr.IPv6.isValid(text) ? ip + m.slice(text.length) : m
}

/** Rules in the order they apply: the more specific shapes first, so a UUID is not read as numbers. */
const RULES: [RegExp, string | ((match: string) => string)][] = [
  // An e-mail address, perhaps with a +tag.
  [/[\p{L}\p{N}._%+'-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu, email],
  // A JSON Web Token: three base64url parts, the first a JSON header ("eyJ").
  [/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, token],
  // An IPv6 address: hex groups and at least two colons, on its own (not a name such as
  // Class::method); first, since one may end in an IPv4 address (::ffff:203.0.113.7).
  [/(?<![\w:.])(?=[0-9a-f.]*:[0-9a-f.]*:)[0-9a-f:.]{3,}(?![\w:])/gi, ipv6],
  // An IPv4 address, not inside a longer run of dotted numbers (a version such as 1.2.3.4.5).
  [new RegExp(`(?<![\\d.])(?:${OCTET}\\.){3}${OCTET}(?!\\.?\\d)`, 'g'), ip],
  // A UUID in its canonical form (without dashes it is a hex token).
  [/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, id],
  // Random-looking strings: base64/base64url or hex runs that mix letters and digits.
  [/[A-Za-z0-9_-]{16,}/g, (m) => (looksRandom(m) ? token : m)],
  // Card and phone numbers: nine digits or more, perhaps grouped by spaces, dots or dashes.
  [/\+?\d(?:[ .-]?\d){8,}/g, number],
  // Order numbers, account numbers, long ids: six digits or more.
  [/\d{6,}/g, number],
]

/**
 * True when no rule below can match: shorter than the shortest token or JWT, no `@`, no `%` (an
 * escape may hide one), fewer than two colons (an IPv6 address has more), and fewer digits than the
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
    if (c === 64 /* @ */ || c === 37 /* % */) return false
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
  return digits >= 2 && switches >= 6 && switches / s.length >= 0.25
}

/**
 * Replaces what may identify a person in a piece of text (a path segment or a query value) with a
 * placeholder: e-mail addresses `:email`, IP addresses `:ip`, UUIDs `:id`, JWTs and random-looking
 * tokens `:token`, card, phone and order numbers `:number`. Ordinary words, slugs, dates and short numbers stay.
 * @example scrubText('jan@example.nl') // ':email'
 */
export function scrubText(text: string): string {
  return cannotMatch(text) ? text : applyRules(text)
}

/** Every rule in order, without the shortcut of `scrubText`. */
export function applyRules(text: string): string {
  let out = text
  for (const [pattern, replacement] of RULES) {
    out = typeof replacement === 'string' ? out.replace(pattern, replacement) : out.replace(pattern, replacement)
  }
  return out
}

const encodeSegment = (s: string) => encodeURI(s).replace(/[?#]/g, (c) => encodeURIComponent(c))

/**
 * Scrubs every segment of a URL path (see `scrubText`), decoding percent-escapes first so that an
 * encoded address (`jan%40example.nl`) is found too. Segments without a match are left as they are.
 * @example scrubPath('/unsubscribe/jan%40example.nl/3f2b1c9e-8a7d-4c1e-9b2a-1d2e3f4a5b6c')
 * // '/unsubscribe/:email/:id'
 */
export function scrubPath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      let decoded = segment
      try {
        decoded = decodeURIComponent(segment)
      } catch {
        // keep a malformed escape as it is
      }
      const scrubbed = scrubText(decoded)
      return scrubbed === decoded ? segment : encodeSegment(scrubbed)
    })
    .join('/')
}

import fs from 'node:fs'
import { createRequire } from 'node:module'
import { LRUCache } from 'lru-cache'
import { Reader } from 'mmdb-lib'
import type { ClientIp } from './ip.ts'

const require = createRequire(import.meta.url)
const DATABASE = require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb')

interface CountryLookup {
  getWithPrefixLength(ip: string): [{ country_code?: string } | null, number]
}
let reader: CountryLookup | undefined
/** Countries by truncated prefix (`203.0.113.0/24`), never by address; see `countryOf`. */
const byPrefix = new LRUCache<string, string>({ max: 20_000 })

/**
 * The ISO 3166 country code of an address from the CC0 geo-whois-asn-country database, or '' when
 * the address is private or unknown. The database is read once, on first use.
 *
 * Given the address's truncated prefix (as `truncateIp` writes it), the answer is remembered for
 * the prefix, but only when the database's network holding the address is as wide as the prefix
 * or wider: then every address of the prefix has the same country, and the next one is answered
 * without a lookup. The cache never holds an address.
 * @example countryOf(parseIp('145.14.1.1')!) // 'NL'
 * @example countryOf(parseIp('145.14.1.1')!, '145.14.1.0/24') // 'NL', remembered for 145.14.1.0/24
 */
export function countryOf(ip: ClientIp, ipPrefix?: string): string {
  if (ip.range() !== 'unicast') return ''
  if (ipPrefix !== undefined) {
    const known = byPrefix.get(ipPrefix)
    if (known !== undefined) return known
  }
  reader ??= new Reader(fs.readFileSync(DATABASE)) as unknown as CountryLookup
  const [record, networkBits] = reader.getWithPrefixLength(ip.toString())
  const country = record?.country_code ?? ''
  if (ipPrefix !== undefined && networkBits <= prefixBits(ipPrefix)) byPrefix.set(ipPrefix, country)
  return country
}

const prefixBits = (ipPrefix: string) => {
  const slash = ipPrefix.lastIndexOf('/')
  return slash < 0 ? -1 : Number(ipPrefix.slice(slash + 1))
}

/** The prefixes `countryOf` remembers a country for; for tests. */
export const cachedCountryPrefixes = () => [...byPrefix.keys()]

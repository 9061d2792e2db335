import fs from 'node:fs'
import { createRequire } from 'node:module'
import { Reader } from 'mmdb-lib'
import type { ClientIp } from './ip.ts'

const require = createRequire(import.meta.url)
const DATABASE = require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb')

interface CountryLookup {
  get(ip: string): { country_code?: string } | null
}
let reader: CountryLookup | undefined

/**
 * The ISO 3166 country code of an address from the CC0 geo-whois-asn-country database, or '' when
 * the address is private or unknown. The database is read once, on first use.
 * @example countryOf(parseIp('145.14.1.1')!) // 'NL'
 */
export function countryOf(ip: ClientIp): string {
  reader ??= new Reader(fs.readFileSync(DATABASE)) as unknown as CountryLookup
  if (ip.range() !== 'unicast') return ''
  return reader.get(ip.toString())?.country_code ?? ''
}

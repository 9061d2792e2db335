import { parseIp } from '../ingest/ip.ts'

/**
 * The kind of network an address belongs to, as ipaddr.js names its ranges: `unicast` for a public
 * address, else `loopback`, `private`, `linkLocal`, `uniqueLocal`, `carrierGradeNat`, `reserved`, ...
 * An IPv6 address that carries an IPv4 address (mapped, 6to4, NAT64) is judged as that address.
 * Undefined when the text is no address.
 * @example
 * addressRange('169.254.169.254') // 'linkLocal'
 * addressRange('::ffff:10.0.0.1') // 'private'
 */
export function addressRange(address: string): string | undefined {
  return parseIp(address)?.range()
}

/**
 * Whether an address is on the public internet, where the collector may fetch a site's page from.
 * @example
 * isPublicAddress('93.184.215.14') // true
 * isPublicAddress('127.0.0.1') // false
 */
export const isPublicAddress = (address: string): boolean => addressRange(address) === 'unicast'

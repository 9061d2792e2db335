import ipaddr from 'ipaddr.js'

/** A parsed client address; an IPv6 address that carries an IPv4 address is reduced to that address. */
export type ClientIp = ipaddr.IPv4 | ipaddr.IPv6

/** An IPv4 address in its usual form: four decimal octets without leading zeros. */
const DOTTED_DECIMAL = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/**
 * Parses an address as it appears on a socket or in X-Forwarded-For; undefined when it is not one.
 * The usual IPv4 form is read directly (ipaddr.js would parse it twice, to validate and to read);
 * every other form, IPv6 and IPv4 in octal or hexadecimal alike, is left to ipaddr.js.
 */
export function parseIp(raw: string | undefined): ClientIp | undefined {
  if (!raw) return undefined
  let s = raw.trim()
  if (DOTTED_DECIMAL.test(s)) return new ipaddr.IPv4(s.split('.').map(Number))
  if (s.startsWith('[')) s = s.slice(1, s.indexOf(']'))
  else if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(':'))
  const zone = s.indexOf('%')
  if (zone >= 0) s = s.slice(0, zone)
  if (!ipaddr.isValid(s)) return undefined
  const ip = ipaddr.parse(s)
  return ip.kind() === 'ipv6' ? (embeddedIpv4(ip as ipaddr.IPv6) ?? ip) : ip
}

/**
 * The IPv4 address inside an IPv6 address of a range that carries one where an IPv6 prefix would
 * keep it: 6to4 (`2002:AABB:CCDD::/48` is all of AA.BB.CC.DD), IPv4-mapped and -translated
 * (`::ffff:a.b.c.d`, `::ffff:0:a.b.c.d`) and NAT64's well-known prefix (`64:ff9b::a.b.c.d`). Such an
 * address is truncated, looked up and hashed as the IPv4 address it stands for.
 */
function embeddedIpv4(ip: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const p = ip.parts
  let at: number
  switch (ip.range()) {
    case '6to4':
      at = 1
      break
    case 'ipv4Mapped':
    case 'rfc6145':
      at = 6
      break
    case 'rfc6052':
      // The well-known /96 only; in the local-use /48 (64:ff9b:1::) a /48 prefix already drops it.
      if (p[2] !== 0) return undefined
      at = 6
      break
    default:
      return undefined
  }
  return new ipaddr.IPv4([p[at]! >> 8, p[at]! & 0xff, p[at + 1]! >> 8, p[at + 1]! & 0xff])
}

/**
 * The client address of a request: the socket's peer, or, when `trustProxy` proxies stand in front,
 * the entry they appended to X-Forwarded-For (counting from the right, so a client cannot forge it).
 */
export function clientIp(socketAddress: string | undefined, forwardedFor: string | undefined, trustProxy: number): ClientIp | undefined {
  if (trustProxy > 0 && forwardedFor) {
    const hops = forwardedFor.split(',')
    const ip = parseIp(hops[Math.max(0, hops.length - trustProxy)])
    if (ip) return ip
  }
  return parseIp(socketAddress)
}

/** Byte `i` of an address with only the first `bits` bits of the address kept. */
const maskByte = (byte: number, i: number, bits: number) => byte & ((0xff << (8 - Math.max(0, Math.min(8, bits - i * 8)))) & 0xff)

/**
 * The network prefix that may be stored in place of an address, such as `203.0.113.0/24`. An IPv4
 * prefix is written from the octets (the same text as ipaddr.js's, without a second address).
 * @example truncateIp(parseIp('203.0.113.7')!, 24, 48) // '203.0.113.0/24'
 */
export function truncateIp(ip: ClientIp, ipv4Prefix: number, ipv6Prefix: number): string {
  if (ip.kind() === 'ipv4') {
    const o = (ip as ipaddr.IPv4).octets
    return `${maskByte(o[0]!, 0, ipv4Prefix)}.${maskByte(o[1]!, 1, ipv4Prefix)}.${maskByte(o[2]!, 2, ipv4Prefix)}.${maskByte(o[3]!, 3, ipv4Prefix)}/${ipv4Prefix}`
  }
  const bytes = ip.toByteArray().map((b, i) => maskByte(b, i, ipv6Prefix))
  return `${ipaddr.fromByteArray(bytes).toString()}/${ipv6Prefix}`
}

/**
 * The client address of a request and the prefix that may be logged or stored in its place.
 * @example clientNetwork('10.0.0.1', '203.0.113.7', { trustProxy: 1, ipv4Prefix: 24, ipv6Prefix: 48 })
 * // { ip: 203.0.113.7, ipPrefix: '203.0.113.0/24' }
 */
export function clientNetwork(
  socketAddress: string | undefined,
  forwardedFor: string | undefined,
  config: { trustProxy: number; ipv4Prefix: number; ipv6Prefix: number },
): { ip: ClientIp | undefined; ipPrefix: string } {
  const ip = clientIp(socketAddress, forwardedFor, config.trustProxy)
  return { ip, ipPrefix: ip ? truncateIp(ip, config.ipv4Prefix, config.ipv6Prefix) : '' }
}

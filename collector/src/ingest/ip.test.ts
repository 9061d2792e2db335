import fc from 'fast-check'
import ipaddr from 'ipaddr.js'
import { describe, expect, it } from 'vitest'
import { clientIp, clientNetwork, parseIp, truncateIp } from './ip.ts'

describe('parseIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['203.0.113.7:51234', '203.0.113.7'],
    ['fe80::1%eth0', 'fe80::1'],
    // IPv6 addresses that carry an IPv4 address whole within what a /48 keeps, or beyond it.
    ['2002:c000:27b::1', '192.0.2.123'],
    ['2002:cb00:7107:1234:5678::9', '203.0.113.7'],
    ['::ffff:0:cb00:7107', '203.0.113.7'],
    ['64:ff9b::203.0.113.7', '203.0.113.7'],
    ['64:ff9b:1:2::1', '64:ff9b:1:2::1'],
    ['2001:db8::cb00:7107', '2001:db8::cb00:7107'],
  ])('reads %s as %s', (raw, expected) => {
    expect(parseIp(raw)?.toString()).toBe(expected)
  })

  it.each(['', 'unknown', '999.1.1.1', 'example.com'])('refuses %j', (raw) => {
    expect(parseIp(raw)).toBeUndefined()
  })
})

describe('clientIp', () => {
  it('uses the socket address when no proxy is trusted, whatever X-Forwarded-For says', () => {
    expect(clientIp('198.51.100.9', '203.0.113.7', 0)?.toString()).toBe('198.51.100.9')
  })

  it('takes the entry the trusted proxies appended, so a client cannot forge its address', () => {
    expect(clientIp('10.0.0.1', '1.2.3.4, 203.0.113.7', 1)?.toString()).toBe('203.0.113.7')
    expect(clientIp('10.0.0.1', '1.2.3.4, 203.0.113.7, 10.0.0.2', 2)?.toString()).toBe('203.0.113.7')
  })

  it('falls back to the socket when X-Forwarded-For holds no address', () => {
    expect(clientIp('198.51.100.9', 'garbage', 1)?.toString()).toBe('198.51.100.9')
  })
})

describe('truncateIp', () => {
  it.each([
    ['203.0.113.7', 24, '203.0.113.0/24'],
    ['203.0.113.7', 16, '203.0.0.0/16'],
    ['203.0.113.7', 20, '203.0.112.0/20'],
    ['203.0.113.7', 8, '203.0.0.0/8'],
    ['::ffff:203.0.113.7', 24, '203.0.113.0/24'],
    ['2001:db8:abcd:1234:5678::1', 48, '2001:db8:abcd::/48'],
    ['2001:db8:abcd:1234:5678::1', 32, '2001:db8::/32'],
  ])('keeps only the prefix of %s at /%i', (ip, bits, expected) => {
    expect(truncateIp(parseIp(ip)!, bits, bits)).toBe(expected)
  })

  it('cuts a 6to4 address at the IPv4 prefix: its first 48 bits hold the whole IPv4 address', () => {
    expect(truncateIp(parseIp('2002:cb00:7107:1234:5678::9')!, 24, 48)).toBe('203.0.113.0/24')
    expect(clientNetwork('10.0.0.1', '2002:c000:27b::1', { trustProxy: 1, ipv4Prefix: 24, ipv6Prefix: 48 }).ipPrefix).toBe('192.0.2.0/24')
  })
})

describe('IPv4-mapped IPv6 addresses', () => {
  it('are IPv4 clients, truncated with the IPv4 prefix', () => {
    const ip = parseIp('::ffff:203.0.113.77')!
    expect(ip.kind()).toBe('ipv4')
    expect(truncateIp(ip, 24, 48)).toBe('203.0.113.0/24')
    expect(truncateIp(parseIp('[::ffff:cb00:714d]')!, 24, 48)).toBe('203.0.113.0/24')
    expect(truncateIp(clientIp('::ffff:203.0.113.77', undefined, 0)!, 16, 48)).toBe('203.0.0.0/16')
    expect(truncateIp(clientIp('10.0.0.1', '::ffff:203.0.113.77', 1)!, 24, 48)).toBe('203.0.113.0/24')
  })
})

describe('clientNetwork', () => {
  it('gives the address of the request and the prefix that stands in for it', () => {
    const r = clientNetwork('10.0.0.1', '1.2.3.4, 203.0.113.7', { trustProxy: 1, ipv4Prefix: 24, ipv6Prefix: 48 })
    expect(r.ip?.toString()).toBe('203.0.113.7')
    expect(r.ipPrefix).toBe('203.0.113.0/24')
    expect(clientNetwork(undefined, undefined, { trustProxy: 0, ipv4Prefix: 24, ipv6Prefix: 48 })).toEqual({ ip: undefined, ipPrefix: '' })
  })
})

describe('the direct IPv4 path', () => {
  /** What ipaddr.js alone makes of a string (parseIp trims it first): the reference for parseIp. */
  const reference = (s: string) => (ipaddr.isValid(s.trim()) ? ipaddr.parse(s.trim()) : undefined)
  /** Four dotted parts, each decimal perhaps with leading zeros (octal to ipaddr.js, or invalid). */
  const part = fc.tuple(fc.constantFrom('', '0', '00'), fc.integer({ min: 0, max: 300 })).map(([zeros, n]) => `${zeros}${n}`)
  const anyIpv4 = fc.oneof(
    fc.ipV4(),
    fc.ipV4Extended(),
    fc.tuple(part, part, part, part).map((p) => p.join('.')),
    fc.stringMatching(/^[0-9.]{1,16}$/),
    fc.constantFrom('08.1.1.1', '010.1.1.1', '1.2.3.04', '00.0.0.0', '255.255.255.255', '256.1.1.1', '1.2.3', '1.2.3.4.5', ' 1.2.3.4 '),
  )

  it('reads every IPv4 string as ipaddr.js does, octal and hexadecimal forms included', () => {
    fc.assert(
      fc.property(anyIpv4, (s) => {
        const ref = reference(s)
        const ip = parseIp(s)
        if (ref?.kind() === 'ipv4') expect(ip?.toString()).toBe(ref.toString())
        else if (!ref) expect(ip).toBeUndefined()
      }),
      { numRuns: 20_000 },
    )
  })

  it('writes the same prefix as ipaddr.js at every prefix length', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), (s, bits) => {
        const bytes = ipaddr.parse(s).toByteArray().map((b, i) => b & ((0xff << (8 - Math.max(0, Math.min(8, bits - i * 8)))) & 0xff))
        expect(truncateIp(parseIp(s)!, bits, 48)).toBe(`${ipaddr.fromByteArray(bytes).toString()}/${bits}`)
      }),
      { numRuns: 5_000 },
    )
  })
})

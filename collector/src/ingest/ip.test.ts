import { describe, expect, it } from 'vitest'
import { clientIp, clientNetwork, parseIp, truncateIp } from './ip.ts'

describe('parseIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['203.0.113.7:51234', '203.0.113.7'],
    ['fe80::1%eth0', 'fe80::1'],
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

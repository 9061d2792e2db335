import { describe, expect, it } from 'vitest'
import { cachedCountryPrefixes, countryOf } from './geo.ts'
import { parseIp, truncateIp } from './ip.ts'

describe('countryOf', () => {
  it.each([
    ['145.14.1.1', 'NL'],
    ['8.8.8.8', 'US'],
    ['::ffff:145.14.1.1', 'NL'],
    ['2001:4860:4860::8888', 'US'],
  ])('finds the country of %s in the CC0 database', (ip, country) => {
    expect(countryOf(parseIp(ip)!)).toBe(country)
  })

  it.each(['127.0.0.1', '10.1.2.3', '192.168.0.1', '::1', 'fd00::1'])('gives no country for the private address %s', (ip) => {
    expect(countryOf(parseIp(ip)!)).toBe('')
  })

  it('answers through the prefix cache exactly as the database does, address by address', () => {
    // Many addresses per prefix, so that most answers come from the cache; seeded, so the run repeats.
    let seed = 12345
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32
    const addresses: string[] = []
    for (let p = 0; p < 400; p++) {
      const a = `${1 + Math.floor(next() * 222)}.${Math.floor(next() * 256)}.${Math.floor(next() * 256)}`
      for (let h = 0; h < 8; h++) addresses.push(`${a}.${1 + Math.floor(next() * 254)}`)
      const v6 = `2a0${Math.floor(next() * 10)}:${Math.floor(next() * 0xffff).toString(16)}:${Math.floor(next() * 0xffff).toString(16)}`
      for (let h = 0; h < 4; h++) addresses.push(`${v6}:${Math.floor(next() * 0xffff).toString(16)}::${h + 1}`)
    }
    let known = 0
    for (const raw of addresses) {
      const ip = parseIp(raw)!
      const prefix = truncateIp(ip, 24, 48)
      const cached = countryOf(ip, prefix)
      expect(cached, raw).toBe(countryOf(ip))
      if (cached) known++
    }
    expect(known).toBeGreaterThan(addresses.length / 2)
    const prefixes = cachedCountryPrefixes()
    expect(prefixes.length).toBeGreaterThan(100)
    // Only truncated prefixes are kept, never an address.
    for (const p of prefixes) expect(p).toMatch(/^(\d+\.\d+\.\d+\.0\/24|[0-9a-f:]+::\/48)$/)
  })

  it('does not remember a country for a prefix wider than the network the address is in', () => {
    // 8.8.8.8 is in a network narrower than /8, which holds addresses of other countries too.
    const ip = parseIp('8.8.8.8')!
    expect(countryOf(ip, truncateIp(ip, 8, 48))).toBe('US')
    expect(cachedCountryPrefixes()).not.toContain('8.0.0.0/8')
  })
})

import { describe, expect, it } from 'vitest'
import { countryOf } from './geo.ts'
import { parseIp } from './ip.ts'

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
})

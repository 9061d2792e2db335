import { describe, expect, it } from 'vitest'
import { addressRange, isPublicAddress } from './public-address.ts'

describe('isPublicAddress', () => {
  it('accepts public IPv4 and IPv6 addresses', () => {
    for (const address of ['93.184.215.14', '8.8.8.8', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '2a00:1450:4001:80b::200e']) {
      expect(isPublicAddress(address), address).toBe(true)
    }
  })

  it('refuses loopback, private, link-local (cloud metadata), shared and unspecified addresses', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'loopback'], ['127.8.9.10', 'loopback'], ['::1', 'loopback'],
      ['10.1.2.3', 'private'], ['172.16.0.1', 'private'], ['192.168.1.1', 'private'],
      ['169.254.169.254', 'linkLocal'], ['fe80::1', 'linkLocal'],
      ['fd00::1', 'uniqueLocal'], ['100.64.0.1', 'carrierGradeNat'], ['0.0.0.0', 'unspecified'], ['::', 'unspecified'],
      ['224.0.0.1', 'multicast'], ['255.255.255.255', 'broadcast'],
    ]
    for (const [address, range] of cases) {
      expect(addressRange(address), address).toBe(range)
      expect(isPublicAddress(address), address).toBe(false)
    }
  })

  it('judges an IPv6 address that carries an IPv4 address as that address', () => {
    expect(addressRange('::ffff:127.0.0.1')).toBe('loopback')
    expect(addressRange('::ffff:a00:1')).toBe('private')
    expect(addressRange('64:ff9b::a9fe:a9fe')).toBe('linkLocal')
    expect(addressRange('2002:7f00:1::')).toBe('loopback')
    expect(isPublicAddress('::ffff:8.8.8.8')).toBe(true)
  })

  it('refuses what is not an address', () => {
    expect(addressRange('localhost')).toBeUndefined()
    expect(isPublicAddress('')).toBe(false)
  })
})

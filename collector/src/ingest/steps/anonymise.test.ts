import { describe, expect, it } from 'vitest'
import { UA } from '../../../../test/helpers/collector.ts'
import { parseIp } from '../ip.ts'
import { visitorHash } from '../visitor.ts'
import { anonymise } from './anonymise.ts'

const DAY = 86_400_000
const NOW = Date.UTC(2026, 10, 25, 0, 5)
const salts = new Map([[Math.floor(NOW / DAY), Buffer.alloc(32, 1)], [Math.floor(NOW / DAY) - 1, Buffer.alloc(32, 2)]])
const saltFor = (ts: number) => {
  const salt = salts.get(Math.floor(ts / DAY))
  if (!salt) throw new Error('no salt for that day')
  return salt
}

describe('anonymise', () => {
  const req = { ip: parseIp('145.14.1.1'), userAgent: UA.chromeMac, now: NOW }

  it('derives the country and the visitor code of the day, keyed with that day\'s salt', () => {
    const a = anonymise(req, '145.14.1.0/24', 'example.com', { saltFor })
    expect(a.country).toBe('NL')
    expect(a.visitorOn(NOW)).toBe(visitorHash(Buffer.alloc(32, 1), 'example.com', '145.14.1.1', UA.chromeMac))
    expect(a.visitorOn(NOW - 10 * 60_000)).toBe(visitorHash(Buffer.alloc(32, 2), 'example.com', '145.14.1.1', UA.chromeMac))
  })

  it('gives no country and visitor 0 without an address', () => {
    const a = anonymise({ ...req, ip: undefined }, '', 'example.com', { saltFor })
    expect(a).toMatchObject({ country: '' })
    expect(a.visitorOn(NOW)).toBe('0')
  })
})

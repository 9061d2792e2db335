import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { openSalt, SaltSealError, saltSealKey, sealSalt } from './salt-seal.ts'

describe('sealed salts', () => {
  const key = saltSealKey('a collector secret of at least thirty-two characters')
  const salt = randomBytes(32)

  it('opens with the key that sealed it and gives back the salt', () => {
    expect(openSalt(key, '2026-12-07', sealSalt(key, '2026-12-07', salt)).equals(salt)).toBe(true)
  })

  it('never stores the salt itself: neither its bytes nor its hex appear in the sealed form', () => {
    const sealed = sealSalt(key, '2026-12-07', salt)
    expect(sealed).not.toContain(salt.toString('hex'))
    expect(Buffer.from(sealed, 'hex').includes(salt)).toBe(false)
    // A fresh nonce each time: the same salt sealed twice looks different.
    expect(sealSalt(key, '2026-12-07', salt)).not.toBe(sealed)
  })

  it('refuses another key, another day and altered bytes, naming TELLEN_SECRET for a wrong key', () => {
    const sealed = sealSalt(key, '2026-12-07', salt)
    const other = saltSealKey('another collector secret, also thirty-two characters')
    expect(() => openSalt(other, '2026-12-07', sealed)).toThrow(SaltSealError)
    expect(() => openSalt(other, '2026-12-07', sealed)).toThrow(/TELLEN_SECRET/)
    expect(() => openSalt(key, '2026-12-08', sealed)).toThrow(SaltSealError)
    const flipped = Buffer.from(sealed, 'hex')
    flipped[20]! ^= 1
    expect(() => openSalt(key, '2026-12-07', flipped.toString('hex'))).toThrow(SaltSealError)
    expect(() => openSalt(key, '2026-12-07', 'ab'.repeat(32))).toThrow(SaltSealError)
  })
})

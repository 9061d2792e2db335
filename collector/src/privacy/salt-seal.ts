import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

/** AES-256-GCM: an AEAD in Node's crypto, so a sealed salt cannot be read nor altered without the key. */
const CIPHER = 'aes-256-gcm'
const KEY_BYTES = 32
const NONCE_BYTES = 12
const TAG_BYTES = 16
/** HKDF's salt and info: they bind the derived key to this one use of TELLEN_SECRET. */
const HKDF_SALT = 'tellen collector key'
const HKDF_INFO = 'daily salt seal v1'

/** Raised when a stored salt does not open with this collector's key (another TELLEN_SECRET sealed it). */
export class SaltSealError extends Error {
  override name = 'SaltSealError'
}

/**
 * The key that seals the daily salts, derived from TELLEN_SECRET with HKDF-SHA-256.
 * @example const key = saltSealKey(config.secret)
 */
export function saltSealKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, HKDF_SALT, HKDF_INFO, KEY_BYTES))
}

/**
 * Seals the salt of `day` (YYYY-MM-DD) as hex: a random nonce, the ciphertext and the tag. The day is
 * authenticated with it, so a sealed salt moved to another day does not open.
 * @example const sealed = sealSalt(key, '2026-12-07', randomBytes(32))
 */
export function sealSalt(key: Buffer, day: string, salt: Buffer): string {
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv(CIPHER, key, nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(Buffer.from(day))
  const body = Buffer.concat([cipher.update(salt), cipher.final()])
  return Buffer.concat([nonce, body, cipher.getAuthTag()]).toString('hex')
}

/**
 * Opens a salt sealed by `sealSalt` for `day`; throws `SaltSealError` when the key, the day or the
 * bytes do not match.
 * @example const salt = openSalt(key, '2026-12-07', sealed)
 */
export function openSalt(key: Buffer, day: string, sealed: string): Buffer {
  const bytes = Buffer.from(sealed, 'hex')
  if (bytes.length <= NONCE_BYTES + TAG_BYTES) throw new SaltSealError(`the stored salt of ${day} is not a sealed salt`)
  const decipher = createDecipheriv(CIPHER, key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES })
  decipher.setAAD(Buffer.from(day))
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES))
  try {
    return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()])
  } catch {
    throw new SaltSealError(
      `the stored salt of ${day} does not open with this collector's TELLEN_SECRET: it was sealed with another key. ` +
        'Every collector must use the same TELLEN_SECRET; to change the key, delete the stored salts (tellen.salts) first',
    )
  }
}

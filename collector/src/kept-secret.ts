import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/**
 * A secret that is `configured` when set, else the one kept in `file`, else `bytes` new random bytes
 * (base64url) written there (mode 0600). `created` is true only when it was generated now.
 * @example const { secret } = ensureKeptSecret('/var/lib/tellen/admin-token', process.env.TELLEN_ADMIN_TOKEN, 24)
 */
export function ensureKeptSecret(file: string, configured: string | undefined, bytes: number): { secret: string; created: boolean } {
  if (configured) return { secret: configured, created: false }
  try {
    const secret = fs.readFileSync(file, 'utf8').trim()
    if (secret) return { secret, created: false }
  } catch {
    // none yet
  }
  const secret = randomBytes(bytes).toString('base64url')
  fs.mkdirSync(path.dirname(file), { recursive: true })
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  return { secret, created: true }
}

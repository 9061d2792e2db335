import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** Where a generated collector key (TELLEN_SECRET) is kept in DATA_DIR. */
export const collectorSecretFile = (dataDir: string) => path.join(dataDir, 'collector-secret')

/** Random bytes of a generated key. */
const SECRET_BYTES = 32

/**
 * The collector key that seals the daily salts: TELLEN_SECRET when set, else the one kept in
 * DATA_DIR, else a new one written there (mode 0600). With a ClickHouse server TELLEN_SECRET is
 * required (every collector needs the same key): `loadConfig` refuses to start without it.
 * @example const { secret } = ensureCollectorSecret('/var/lib/tellen', process.env.TELLEN_SECRET)
 */
export function ensureCollectorSecret(dataDir: string, configured: string | undefined): { secret: string; created: boolean } {
  if (configured) return { secret: configured, created: false }
  const file = collectorSecretFile(dataDir)
  try {
    const secret = fs.readFileSync(file, 'utf8').trim()
    if (secret) return { secret, created: false }
  } catch {
    // none yet
  }
  const secret = randomBytes(SECRET_BYTES).toString('base64url')
  fs.mkdirSync(dataDir, { recursive: true })
  fs.writeFileSync(file, `${secret}\n`, { mode: 0o600 })
  return { secret, created: true }
}

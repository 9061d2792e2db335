import path from 'node:path'
import { ensureKeptSecret } from './kept-secret.ts'

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
  return ensureKeptSecret(collectorSecretFile(dataDir), configured, SECRET_BYTES)
}

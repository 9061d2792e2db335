import fs from 'node:fs'
import path from 'node:path'
import { ensureKeptSecret } from './kept-secret.ts'

/** Random bytes of a generated admin token. */
const TOKEN_BYTES = 24

/** Where a generated admin token is kept. */
export const adminTokenFile = (dataDir: string) => path.join(dataDir, 'admin-token')

/**
 * The admin token: TELLEN_ADMIN_TOKEN when set, else the one kept in DATA_DIR, else a new one that
 * is written there (mode 0600). `created` is true only when it was generated now.
 */
export function ensureAdminToken(dataDir: string, configured: string | undefined): { token: string; created: boolean } {
  const { secret, created } = ensureKeptSecret(adminTokenFile(dataDir), configured, TOKEN_BYTES)
  return { token: secret, created }
}

/** Reads the admin token for the CLI: TELLEN_ADMIN_TOKEN, else the file in DATA_DIR. */
export function readAdminToken(dataDir: string, configured: string | undefined): string | undefined {
  if (configured) return configured
  try {
    return fs.readFileSync(adminTokenFile(dataDir), 'utf8').trim() || undefined
  } catch {
    return undefined
  }
}

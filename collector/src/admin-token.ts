import { randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'

/** Where a generated admin token is kept. */
export const adminTokenFile = (dataDir: string) => path.join(dataDir, 'admin-token')

/**
 * The admin token: TELLEN_ADMIN_TOKEN when set, else the one kept in DATA_DIR, else a new one that
 * is written there (mode 0600). `created` is true only when it was generated now.
 */
export function ensureAdminToken(dataDir: string, configured: string | undefined): { token: string; created: boolean } {
  if (configured) return { token: configured, created: false }
  const file = adminTokenFile(dataDir)
  try {
    const token = fs.readFileSync(file, 'utf8').trim()
    if (token) return { token, created: false }
  } catch {
    // none yet
  }
  const token = randomBytes(24).toString('base64url')
  fs.mkdirSync(dataDir, { recursive: true })
  fs.writeFileSync(file, `${token}\n`, { mode: 0o600 })
  return { token, created: true }
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

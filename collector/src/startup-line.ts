import path from 'node:path'
import { adminTokenFile } from './admin-token.ts'

export interface StartupPlaces {
  /** HOST as configured; `0.0.0.0` and `::` (every address) are shown as localhost. */
  host: string
  port: number
  dataDir: string
  /** Whether the admin token comes from TELLEN_ADMIN_TOKEN rather than DATA_DIR. */
  tokenFromEnv: boolean
  /** The directory a relative path is shown against. */
  cwd?: string
}

/**
 * The one line a person reads when Tellen has started: where the collector, the dashboard and the
 * script are, and where the admin token is (never the token itself).
 *
 * @example
 * startupLine({ host: '0.0.0.0', port: 8080, dataDir: '/srv/tellen/data', tokenFromEnv: false, cwd: '/srv/tellen' })
 * // 'tellen is running: collector http://localhost:8080, dashboard http://localhost:8080/dashboard,
 * //  script http://localhost:8080/t.js; admin token in data/admin-token' (one line)
 */
export function startupLine(p: StartupPlaces): string {
  const name = p.host === '0.0.0.0' || p.host === '::' ? 'localhost' : p.host.includes(':') ? `[${p.host}]` : p.host
  const origin = `http://${name}:${p.port}`
  const token = p.tokenFromEnv ? 'admin token from TELLEN_ADMIN_TOKEN' : `admin token in ${shortPath(adminTokenFile(p.dataDir), p.cwd ?? process.cwd())}`
  return `tellen is running: collector ${origin}, dashboard ${origin}/dashboard, script ${origin}/t.js; ${token}`
}

/** `file` relative to `cwd` when it lies inside it, else as it is. */
function shortPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file)
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file
}

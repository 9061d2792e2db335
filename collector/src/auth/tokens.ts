import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Db } from '../db/client.ts'

export const TOKEN_KINDS = ['read', 'partner'] as const
export type TokenKind = (typeof TOKEN_KINDS)[number]

/** What is known of a token; the token itself is never stored, only its SHA-256 hash. */
export interface TokenInfo {
  id: string
  kind: TokenKind
  /** The only site the token may read, or null for every site. */
  site: string | null
  /** The datasets of its site a partner token may download, by name; empty for read tokens. */
  datasets: string[]
  created: string
  revoked: string | null
  /** When the token stops being valid (`YYYY-MM-DD hh:mm:ss.sss`, UTC), or null for never. */
  expires: string | null
  /** What the token was made for: `share` for a shared link, '' otherwise. */
  purpose: string
}

/** Options of a new token: the datasets of a partner token, when it expires, and what it is for. */
export interface TokenOptions {
  datasets?: readonly string[]
  expires?: Date
  purpose?: 'share'
}

/** Who a request's bearer token belongs to. */
export type Principal = { kind: 'admin' } | { kind: TokenKind; id: string; site: string | null; datasets: string[] }

export interface TokenStore {
  /** Creates a token; the returned `token` is shown once and cannot be recovered. */
  create(kind: TokenKind, site?: string, options?: TokenOptions): Promise<{ token: string; info: TokenInfo }>
  list(): Promise<TokenInfo[]>
  /** Revokes a token; false when no token has that id. */
  revoke(id: string): Promise<boolean>
  /** The principal of a presented token, or undefined when it is unknown, revoked or expired. */
  verify(token: string): Promise<Principal | undefined>
}

const sha256 = (s: string) => createHash('sha256').update(s).digest()

/** Compares two SHA-256 digests in constant time. */
const sameHash = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b)

interface Row {
  id: string
  hash: string
  kind: TokenKind
  site: string
  datasets: string[]
  created: string
  revoked: string | null
  expires: string | null
  purpose: string
}

/** The instant of a stored time (`YYYY-MM-DD hh:mm:ss.sss`, UTC, or ISO 8601). */
const instant = (time: string) => Date.parse(time.includes('T') ? time : `${time.replace(' ', 'T')}Z`)

/**
 * Tokens kept in `tellen.tokens` as SHA-256 hashes, checked against a short-lived in-memory copy:
 * a revocation reaches every collector within `cacheMs`. The admin token is checked the same way.
 * @example
 * const tokens = createTokenStore(db, adminToken)
 * const { token } = await tokens.create('read', 'example.com')
 * await tokens.verify(token) // { kind: 'read', id, site: 'example.com' }
 */
export function createTokenStore(db: Db, adminToken: string, cacheMs = 30_000): TokenStore {
  const adminHash = sha256(adminToken)
  let cache: { at: number; rows: (Row & { digest: Buffer })[] } | undefined
  let loading: Promise<void> | undefined

  async function rows(): Promise<Row[]> {
    const rs = await db.query({
      query: `SELECT id, argMax(hash, updated) AS hash, argMax(kind, updated) AS kind, argMax(site, updated) AS site, argMax(datasets, updated) AS datasets,
                     toString(argMax(created, updated)) AS created, toString(argMax(revoked, updated)) AS revoked,
                     toString(argMax(expires, updated)) AS expires, argMax(purpose, updated) AS purpose
              FROM tellen.tokens GROUP BY id ORDER BY created, id`,
      format: 'JSONEachRow',
    })
    return rs.json<Row>()
  }

  const load = () =>
    (loading ??= rows()
      .then((all) => {
        cache = { at: Date.now(), rows: all.filter((r) => !r.revoked).map((r) => ({ ...r, digest: Buffer.from(r.hash, 'hex') })) }
      })
      .finally(() => (loading = undefined)))

  const info = (r: Row): TokenInfo => ({
    id: r.id, kind: r.kind, site: r.site || null, datasets: r.datasets, created: r.created, revoked: r.revoked, expires: r.expires, purpose: r.purpose,
  })
  const write = (r: Row) => db.insert({ table: 'tellen.tokens', values: [r], format: 'JSONEachRow' })

  return {
    async create(kind, site, options = {}) {
      const token = `tln_${randomBytes(24).toString('base64url')}`
      const row: Row = {
        id: randomBytes(6).toString('hex'), hash: sha256(token).toString('hex'), kind, site: site ?? '', datasets: [...(options.datasets ?? [])],
        created: new Date().toISOString(), revoked: null, expires: options.expires?.toISOString() ?? null, purpose: options.purpose ?? '',
      }
      await write(row)
      cache = undefined
      return { token, info: info(row) }
    },
    async list() {
      return (await rows()).map(info)
    },
    async revoke(id) {
      const row = (await rows()).find((r) => r.id === id)
      if (!row) return false
      if (!row.revoked) await write({ ...row, revoked: new Date().toISOString() })
      cache = undefined
      return true
    },
    async verify(token) {
      const digest = sha256(token)
      if (sameHash(digest, adminHash)) return { kind: 'admin' }
      if (!cache || Date.now() - cache.at > cacheMs) await load()
      let found: Row | undefined
      // Every stored hash is compared, so the time taken does not depend on which one matches.
      for (const r of cache!.rows) if (sameHash(digest, r.digest)) found = r
      if (found?.expires && instant(found.expires) <= Date.now()) return undefined
      return found ? { kind: found.kind, id: found.id, site: found.site || null, datasets: found.datasets } : undefined
    },
  }
}

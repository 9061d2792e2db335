import type { Db } from './db/client.ts'

export interface Site {
  domain: string
  /** IANA time zone in which the site's days are cut. */
  timezone: string
  /** Query parameters kept beside the default allowlist. */
  queryAllowlist: ReadonlySet<string>
}

/** The sites that may send events: those in TELLEN_SITES and those registered in `tellen.sites`. */
export interface SiteRegistry {
  get(domain: string): Site | undefined
  all(): Site[]
  refresh(): Promise<void>
}

export function createSiteRegistry(db: Db, configured: readonly string[]): SiteRegistry {
  let sites = new Map<string, Site>()
  const fromConfig = (domain: string): Site => ({ domain, timezone: 'UTC', queryAllowlist: new Set() })
  for (const d of configured) sites.set(d, fromConfig(d))

  return {
    get: (domain) => sites.get(domain),
    all: () => [...sites.values()],
    async refresh() {
      const rs = await db.query({
        query: `SELECT domain, argMax(timezone, updated) AS timezone, argMax(query_allowlist, updated) AS query_allowlist,
                       argMax(deleted, updated) AS deleted
                FROM tellen.sites GROUP BY domain`,
        format: 'JSONEachRow',
      })
      const rows = await rs.json<{ domain: string; timezone: string; query_allowlist: string[]; deleted: number }>()
      const next = new Map<string, Site>()
      for (const d of configured) next.set(d, fromConfig(d))
      for (const r of rows) {
        if (r.deleted) continue
        next.set(r.domain, { domain: r.domain, timezone: r.timezone, queryAllowlist: new Set(r.query_allowlist) })
      }
      sites = next
    },
  }
}

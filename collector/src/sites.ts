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

/** A site as registered with `tellen sites add`. */
export interface SiteRecord {
  domain: string
  timezone: string
  query_allowlist: string[]
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/
const PARAM = /^[a-z0-9_.-]{1,64}$/

/** Checks a site to register; returns it normalised, or a sentence saying what is wrong. */
export function validateSite(input: { domain?: unknown; timezone?: unknown; allowParams?: unknown }): SiteRecord | string {
  const domain = typeof input.domain === 'string' ? input.domain.trim().toLowerCase() : ''
  if (!DOMAIN.test(domain)) return `"${String(input.domain ?? '')}" is not a domain name`
  const asked = input.timezone === undefined ? 'UTC' : String(input.timezone)
  let timezone: string
  try {
    // The canonical name ('europe/amsterdam' is Europe/Amsterdam, US/Pacific is America/Los_Angeles):
    // the engine knows zones by their exact names only.
    timezone = new Intl.DateTimeFormat('en', { timeZone: asked }).resolvedOptions().timeZone
  } catch {
    return `"${asked}" is not an IANA time zone such as Europe/Amsterdam`
  }
  const raw = input.allowParams === undefined ? [] : Array.isArray(input.allowParams) ? input.allowParams : String(input.allowParams).split(',')
  const params = [...new Set(raw.map((p) => String(p).trim().toLowerCase()).filter(Boolean))]
  const bad = params.find((p) => !PARAM.test(p))
  if (bad !== undefined) return `"${bad}" is not a query parameter name (letters, digits, _ . - only)`
  return { domain, timezone, query_allowlist: params.sort() }
}

/** A site that cannot be registered, with a sentence saying why. */
export class SiteError extends Error {
  override name = 'SiteError'
}

/**
 * Registers a site, or changes its time zone and allowlist. Throws a SiteError when ClickHouse does
 * not know the time zone (every question about the site would fail).
 */
export async function addSite(db: Db, site: SiteRecord): Promise<void> {
  const rs = await db.query({ query: 'SELECT count() AS n FROM system.time_zones WHERE time_zone = {tz:String}', query_params: { tz: site.timezone }, format: 'JSONEachRow' })
  const [{ n } = { n: 0 }] = await rs.json<{ n: number | string }>()
  if (Number(n) === 0) throw new SiteError(`ClickHouse does not know the time zone "${site.timezone}"; use an IANA name such as Europe/Amsterdam`)
  await db.insert({ table: 'tellen.sites', values: [{ ...site, deleted: 0 }], format: 'JSONEachRow' })
}

/** Unregisters a site; its data stays until `tellen forget`. Returns false when it was not registered. */
export async function removeSite(db: Db, domain: string): Promise<boolean> {
  const known = (await listSites(db)).some((s) => s.domain === domain)
  if (known) await db.insert({ table: 'tellen.sites', values: [{ domain, deleted: 1 }], format: 'JSONEachRow' })
  return known
}

/** The registered sites (those of TELLEN_SITES are not listed). */
export async function listSites(db: Db): Promise<SiteRecord[]> {
  const rs = await db.query({
    query: `SELECT domain, argMax(timezone, updated) AS timezone, argMax(query_allowlist, updated) AS query_allowlist
            FROM tellen.sites GROUP BY domain HAVING argMax(deleted, updated) = 0 ORDER BY domain`,
    format: 'JSONEachRow',
  })
  return rs.json<SiteRecord>()
}

import type { Command } from 'commander'
import { loadConfig } from '../config.ts'
import type { Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { addSite, listSites, removeSite, SiteError, validateSite, type SiteRecord } from '../sites.ts'
import { CliError, withBackend } from './backend.ts'
import { formatTable } from './table.ts'
import type { SiteStatus } from '../routes/sites.ts'

/** Runs `fn` on a database opened by the CLI, after bringing its schema up to date. */
const migrated = <T>(fn: (db: Db) => Promise<T>) => async (db: Db) => {
  await migrate(db)
  return fn(db)
}

/** `tellen sites add|list|remove`: the sites that may send events, beside TELLEN_SITES. */
export function register(program: Command): void {
  const sites = program.command('sites').description('register the sites that may send events, with their time zone and allowed query parameters')

  sites
    .command('add <domain>')
    .description('register a site, or change its settings')
    .option('--timezone <zone>', 'IANA time zone in which its days are cut', 'UTC')
    .option('--allow-params <names>', 'comma-separated query parameters kept beside utm_* and ref', '')
    .action(async (domain: string, options: { timezone: string; allowParams: string }) => {
      const site = validateSite({ domain, timezone: options.timezone, allowParams: options.allowParams })
      if (typeof site === 'string') throw new CliError(site)
      await withBackend(loadConfig(), {
        remote: (api) => api.call('POST', '/api/admin/sites', { domain: site.domain, timezone: site.timezone, allowParams: site.query_allowlist }),
        local: migrated((db) => addSite(db, site).catch((err: unknown) => {
          throw err instanceof SiteError ? new CliError(err.message) : err
        })),
      })
      console.log(`registered ${site.domain} (time zone ${site.timezone}${site.query_allowlist.length ? `, keeps ${site.query_allowlist.join(', ')}` : ''})`)
    })

  sites
    .command('list')
    .description('list the sites that may send events: those registered and those in TELLEN_SITES')
    .action(async () => {
      const config = loadConfig()
      // The running collector says which sites its own TELLEN_SITES names; without one, this environment's do.
      const rowsOf = (registered: SiteRecord[], configured: string[]) => {
        const known = new Set(registered.map((s) => s.domain))
        return [
          ...registered.map((s) => [s.domain, s.timezone, s.query_allowlist.join(','), 'registered']),
          ...configured.filter((d) => !known.has(d)).map((d) => [d, 'UTC', '', 'TELLEN_SITES']),
        ].sort((a, b) => a[0]!.localeCompare(b[0]!))
      }
      const rows = await withBackend<string[][]>(config, {
        remote: async (api) => {
          const [registered, status] = await Promise.all([
            api.call<{ sites: SiteRecord[] }>('GET', '/api/admin/sites'),
            api.call<{ sites: SiteStatus[] }>('GET', '/api/admin/sites/status'),
          ])
          return rowsOf(registered.sites, status.sites.filter((s) => s.origin === 'configured').map((s) => s.domain))
        },
        local: migrated(async (db) => rowsOf(await listSites(db), config.defaultSites ? [] : config.sites)),
      })
      if (!rows.length) return console.log('no sites registered, and TELLEN_SITES names none')
      process.stdout.write(formatTable(['DOMAIN', 'TIME ZONE', 'PARAMETERS', 'FROM'], rows))
    })

  sites
    .command('remove <domain>')
    .description('unregister a site (its data stays until `tellen forget`)')
    .action(async (domain: string) => {
      const d = domain.trim().toLowerCase()
      const removed = await withBackend(loadConfig(), {
        remote: async (api) => (await api.call('DELETE', `/api/admin/sites/${encodeURIComponent(d)}`), true),
        local: migrated((db) => removeSite(db, d)),
      })
      if (!removed) throw new CliError(`site "${d}" is not registered`)
      console.log(`removed ${d}`)
    })
}

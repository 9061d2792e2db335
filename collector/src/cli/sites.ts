import type { Command } from 'commander'
import { loadConfig } from '../config.ts'
import type { Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { addSite, listSites, removeSite, SiteError, validateSite, type SiteRecord } from '../sites.ts'
import { CliError, withBackend } from './backend.ts'

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
    .description('list the registered sites')
    .action(async () => {
      const list = await withBackend<SiteRecord[]>(loadConfig(), {
        remote: async (api) => (await api.call<{ sites: SiteRecord[] }>('GET', '/api/admin/sites')).sites,
        local: migrated((db) => listSites(db)),
      })
      if (!list.length) console.log('no sites registered (TELLEN_SITES may still name some)')
      for (const s of list) console.log(`${s.domain}\t${s.timezone}\t${s.query_allowlist.join(',')}`)
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

import type { Command } from 'commander'
import { loadConfig } from '../config.ts'
import type { Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { downloadLog, MAX_AUDIT_RECORDS, type DownloadRecord } from '../export/audit.ts'
import { createDatasetStore, type BudgetLedger, type ExportDataset } from '../export/datasets.ts'
import { DATASET_DIMENSIONS, DATASET_METRICS, formatEpsilon, parseDefinition } from '../export/definition.ts'
import { DEFAULT_EPSILON, releaseThreshold, visitorError } from '../export/mechanism.ts'
import { PERIOD_KINDS } from '../export/periods.ts'
import { createSiteRegistry } from '../sites.ts'
import { ParamError } from '../stats/params.ts'
import { CliError, withBackend } from './backend.ts'

/** The confidence of the margins `exports list` prints. */
const CONFIDENCE = 0.95

interface DefineOptions {
  site: string
  name: string
  dimensions?: string
  metrics?: string
  period?: string
  epsilon?: string
}

/** A dataset as `exports` prints it; `minVisitors` comes from the collector that answered, else from this environment. */
const describeDataset = (d: ExportDataset & { minVisitors?: number }) =>
  [
    d.site.padEnd(24), d.name.padEnd(20), d.period.padEnd(5), `epsilon ${formatEpsilon(d.epsilonMilli)}`.padEnd(13),
    `dimensions ${d.dimensions.join(',') || '(none)'}`, `metrics ${d.metrics.join(',')}`,
    `visitors ±${visitorError(d, CONFIDENCE)} (95%)`, `rows of ${d.minVisitors ?? releaseThreshold(d, loadConfig().exportMinVisitors)}+ visitors`,
  ].join('  ')
const describeLedger = (l: BudgetLedger) => `${l.site}: epsilon ${formatEpsilon(l.spentMilli)} of ${formatEpsilon(l.budgetMilli)} spent on each day`
const describeDownload = (r: DownloadRecord) => [r.at, r.tokenId.padEnd(12), r.site.padEnd(24), r.dataset.padEnd(20), `${r.from}..${r.to}`, `${r.rows} rows`].join('  ')

async function localStore(db: Db) {
  await migrate(db)
  return createDatasetStore(db, loadConfig().exportEpsilonBudgetMilli)
}

/** `tellen exports define|list|remove|log`: the datasets partners may download, and the audit of their downloads. */
export function register(program: Command): void {
  const exports = program.command('exports').description('define, list and remove the datasets partners may download; read the audit of downloads')

  exports
    .command('define')
    .description('define a dataset: its releases are frozen per closed period, with differentially private noise')
    .requiredOption('--site <domain>', 'the site')
    .requiredOption('--name <name>', 'the dataset\'s name, as partner tokens and download URLs name it')
    .option('--dimensions <list>', `comma-separated, 0 to 4 of ${DATASET_DIMENSIONS.join(', ')} (default: none)`)
    .option('--metrics <list>', `comma-separated, of ${DATASET_METRICS.join(', ')}; visitors always (default: visitors,pageviews)`)
    .option('--period <period>', `one of ${PERIOD_KINDS.join(', ')} (default: day)`)
    .option('--epsilon <e>', `the privacy loss of each release (default: ${DEFAULT_EPSILON}); all datasets of a site add up against TELLEN_EXPORT_EPSILON_BUDGET`)
    .action(async (opts: DefineOptions) => {
      const body = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined))
      const config = loadConfig()
      const { dataset, ledger } = await withBackend(config, {
        remote: (api) => api.call<{ dataset: ExportDataset; ledger: BudgetLedger }>('POST', '/api/admin/exports/datasets', body),
        local: async (db) => {
          const store = await localStore(db)
          try {
            const definition = parseDefinition(body)
            const sites = createSiteRegistry(db, config.sites)
            await sites.refresh()
            if (!sites.get(definition.site)) throw new CliError(`site "${definition.site}" is not registered`)
            const defined = await store.define(definition)
            return { dataset: defined, ledger: await store.ledger(defined.site) }
          } catch (err) {
            if (err instanceof ParamError) throw new CliError(err.message)
            throw err
          }
        },
      })
      console.log(`defined ${describeDataset(dataset)}\n${describeLedger(ledger)}`)
    })

  exports
    .command('list')
    .description('list the datasets and what each site has spent of its epsilon budget')
    .option('--site <domain>', 'only this site')
    .action(async (opts: { site?: string }) => {
      const site = opts.site?.trim().toLowerCase()
      const { datasets, ledgers } = await withBackend(loadConfig(), {
        remote: (api) => api.call<{ datasets: ExportDataset[]; ledgers: BudgetLedger[] }>('GET', `/api/admin/exports/datasets${site ? `?site=${encodeURIComponent(site)}` : ''}`),
        local: async (db) => {
          const store = await localStore(db)
          const list = await store.list(site)
          const sites = [...new Set([...(site ? [site] : []), ...list.map((d) => d.site)])]
          return { datasets: list, ledgers: await Promise.all(sites.map((d) => store.ledger(d))) }
        },
      })
      console.log([...(datasets.length ? datasets.map(describeDataset) : ['no datasets']), ...ledgers.map(describeLedger)].join('\n'))
    })

  exports
    .command('remove')
    .description('stop downloads of a dataset (its releases keep counting against the budget)')
    .requiredOption('--site <domain>', 'the site')
    .requiredOption('--name <name>', 'the dataset')
    .action(async (opts: { site: string; name: string }) => {
      const site = opts.site.trim().toLowerCase()
      await withBackend(loadConfig(), {
        remote: (api) => api.call('DELETE', `/api/admin/exports/datasets/${encodeURIComponent(site)}/${encodeURIComponent(opts.name)}`),
        local: async (db) => {
          if (!(await (await localStore(db)).remove(site, opts.name))) throw new CliError(`${site} has no dataset named "${opts.name}"`)
        },
      })
      console.log(`removed ${opts.name} of ${site}`)
    })

  exports
    .command('log')
    .description('the audit of partner downloads, newest first: time, token id, site, dataset, span, rows')
    .option('--site <domain>', 'only this site')
    .option('--limit <n>', `at most this many (default and most: ${MAX_AUDIT_RECORDS})`)
    .action(async (opts: { site?: string; limit?: string }) => {
      const site = opts.site?.trim().toLowerCase()
      const limit = opts.limit ?? String(MAX_AUDIT_RECORDS)
      if (!/^\d{1,5}$/.test(limit) || Number(limit) < 1 || Number(limit) > MAX_AUDIT_RECORDS) throw new CliError(`--limit must be a whole number from 1 to ${MAX_AUDIT_RECORDS}`)
      const query = new URLSearchParams({ limit, ...(site ? { site } : {}) })
      const downloads = await withBackend(loadConfig(), {
        remote: async (api) => (await api.call<{ downloads: DownloadRecord[] }>('GET', `/api/admin/exports?${query}`)).downloads,
        local: async (db) => {
          await migrate(db)
          return downloadLog(db, { ...(site ? { site } : {}), limit: Number(limit) })
        },
      })
      console.log(downloads.length ? downloads.map(describeDownload).join('\n') : 'no downloads')
    })
}

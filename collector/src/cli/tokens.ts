import type { Command } from 'commander'
import { createTokenStore, TOKEN_KINDS, type TokenInfo, type TokenKind } from '../auth/tokens.ts'
import { loadConfig } from '../config.ts'
import { createDatasetStore } from '../export/datasets.ts'
import type { Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { CliError, withBackend } from './backend.ts'

const table = (tokens: TokenInfo[]) =>
  tokens.length
    ? tokens
        .map((t) => [t.id, t.kind.padEnd(7), (t.site ?? '*').padEnd(24), t.created, t.revoked ? `revoked ${t.revoked}` : 'active', t.datasets.length ? `datasets ${t.datasets.join(',')}` : ''].join('  ').trimEnd())
        .join('\n')
    : 'no tokens'

/** The token store on a database opened by the CLI, whose schema may not exist yet. */
async function localStore(db: Db) {
  await migrate(db)
  return createTokenStore(db, '')
}

/** `tellen tokens create|list|revoke`: read and partner tokens for the stats and export APIs. */
export function register(program: Command): void {
  const tokens = program.command('tokens').description('create, list and revoke read and partner tokens')

  tokens
    .command('create')
    .description('create a token; it is printed once and cannot be shown again')
    .requiredOption('--kind <kind>', `one of ${TOKEN_KINDS.join(', ')}`)
    .option('--site <domain>', 'the only site the token may read (required for a partner token)')
    .option('--datasets <names>', 'partner tokens: comma-separated datasets of --site the token may download')
    .action(async (opts: { kind: string; site?: string; datasets?: string }) => {
      if (!TOKEN_KINDS.includes(opts.kind as TokenKind)) throw new CliError(`--kind must be one of ${TOKEN_KINDS.join(', ')}`)
      const kind = opts.kind as TokenKind
      const site = opts.site?.trim().toLowerCase()
      const datasets = [...new Set((opts.datasets ?? '').split(',').map((d) => d.trim()).filter(Boolean))]
      if (kind === 'partner' && (!site || !datasets.length)) throw new CliError('a partner token needs --site and --datasets (the datasets of that site it may download; see tellen exports list)')
      if (kind !== 'partner' && datasets.length) throw new CliError('--datasets is for partner tokens only')
      const config = loadConfig()
      const created = await withBackend(config, {
        remote: (api) => api.call<TokenInfo & { token: string }>('POST', '/api/admin/tokens', { kind, ...(site ? { site } : {}), ...(datasets.length ? { datasets } : {}) }),
        local: async (db) => {
          const store = await localStore(db)
          if (site && datasets.length) {
            const defined = new Set((await createDatasetStore(db, config.exportEpsilonBudgetMilli).list(site)).map((d) => d.name))
            const unknown = datasets.find((d) => !defined.has(d))
            if (unknown) throw new CliError(`${site} has no dataset named "${unknown}"; define it first (tellen exports define)`)
          }
          const { token, info } = await store.create(kind, site, { datasets })
          return { ...info, token }
        },
      })
      const scope = `${created.site ? ` for ${created.site}` : ''}${created.datasets.length ? ` (datasets ${created.datasets.join(', ')})` : ''}`
      console.log(`created ${created.kind} token ${created.id}${scope}; it is shown only now:\n${created.token}`)
    })

  tokens
    .command('list')
    .description('list tokens (never the tokens themselves)')
    .action(async () => {
      const list = await withBackend(loadConfig(), {
        remote: async (api) => (await api.call<{ tokens: TokenInfo[] }>('GET', '/api/admin/tokens')).tokens,
        local: async (db) => (await localStore(db)).list(),
      })
      console.log(table(list))
    })

  tokens
    .command('revoke <id>')
    .description('revoke a token by its id')
    .action(async (id: string) => {
      await withBackend(loadConfig(), {
        remote: (api) => api.call('DELETE', `/api/admin/tokens/${encodeURIComponent(id)}`),
        local: async (db) => {
          if (!(await (await localStore(db)).revoke(id))) throw new CliError(`no token has the id ${id}`)
        },
      })
      console.log(`revoked ${id}`)
    })
}

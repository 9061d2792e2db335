import { Command, CommanderError } from 'commander'
import { ConfigError, loadConfig } from '../config.ts'
import { migrate } from '../db/migrate.ts'
import { CliError, withBackend } from './backend.ts'
import { register as registerPrivacy } from './privacy.ts'
import { register as registerSites } from './sites.ts'
import { register as registerDemo } from './demo.ts'
import { register as registerExport } from './export.ts'
import { register as registerExports } from './exports.ts'
import { register as registerTokens } from './tokens.ts'
import { register as registerGoals } from './goals.ts'
import { register as registerMigrateTo } from './migrate-to.ts'

const program = new Command()
  .name('tellen')
  .description('Tellen: privacy-first web analytics on ClickHouse')
  .showHelpAfterError()
  .exitOverride()

program
  .command('migrate')
  .description('apply the numbered migrations in sql/ that have not run yet')
  .action(async () => {
    const config = loadConfig()
    const applied = await withBackend(config, {
      remote: async (api) => (await api.call<{ applied: string[] }>('POST', '/api/admin/migrate')).applied,
      local: (db) => migrate(db),
    })
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'nothing to apply: the schema is up to date')
  })

registerPrivacy(program)
registerSites(program)
registerTokens(program)
registerGoals(program)
registerDemo(program)
registerExport(program)
registerExports(program)
registerMigrateTo(program)

try {
  await program.parseAsync(process.argv)
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode)
  const known = err instanceof CliError || err instanceof ConfigError
  process.stderr.write(`tellen: ${known ? (err as Error).message : `failed: ${(err as Error).message.split('\n')[0]}`}\n`)
  process.exit(1)
}

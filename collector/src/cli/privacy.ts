import fs from 'node:fs'
import path from 'node:path'
import readline from 'node:readline/promises'
import type { Command } from 'commander'
import { loadConfig } from '../config.ts'
import { describeIssues } from '../ingest/schema.ts'
import { forgetRequestSchema, forgetSite, type ForgetResult } from '../privacy/forget.ts'
import { migrate } from '../db/migrate.ts'
import { partnerSection, partnerStatement } from '../export/statement.ts'
import { privacyStatement, STATEMENT_LANGUAGES, type StatementLanguage } from '../privacy/statement.ts'
import { CliError, runningCollector, withBackend } from './backend.ts'

async function confirmed(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new CliError('refusing to delete without confirmation: run in a terminal to answer the prompt, or pass --yes')
  }
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout })
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim())
  } finally {
    rl.close()
  }
}

/** `tellen forget` and `tellen privacy-statement`. */
export function register(program: Command): void {
  program
    .command('forget')
    .description("delete a site's data (or the UTC days from --from to --to) from every table")
    .requiredOption('--site <domain>', 'the site whose data is deleted')
    .option('--from <YYYY-MM-DD>', 'first UTC day to delete')
    .option('--to <YYYY-MM-DD>', 'last UTC day to delete')
    .option('--yes', 'do not ask for confirmation')
    .action(async (options: { site: string; from?: string; to?: string; yes?: boolean }) => {
      const parsed = forgetRequestSchema.safeParse({ site: options.site, from: options.from, to: options.to })
      if (!parsed.success) throw new CliError(describeIssues(parsed.error))
      const request = parsed.data
      const range = request.from || request.to ? ` from ${request.from ?? 'the start'} to ${request.to ?? 'today'}` : ''
      if (!options.yes && !(await confirmed(`Delete all data of ${request.site}${range} from every table? This cannot be undone. [y/N] `))) {
        throw new CliError('nothing deleted')
      }
      const config = loadConfig()
      const result = await withBackend<ForgetResult>(config, {
        remote: (api) => api.call('POST', '/api/admin/forget', request),
        local: (db) => forgetSite(db, request),
      })
      const rows = result.tables.reduce((n, t) => n + t.rows, 0)
      console.log(`deleted ${rows} rows of ${result.site}${range} from ${result.tables.length} tables`)
      for (const t of result.tables) console.log(`  ${t.table}: ${t.rows}`)
      if (result.skipped.length) console.log(`  not cut by date (no time column), left alone: ${result.skipped.join(', ')}`)
    })

  program
    .command('privacy-statement')
    .description('print a privacy statement section about Tellen (Markdown), from the running collector\'s configuration, or this environment\'s when none runs')
    .option('--lang <lang>', `language: ${STATEMENT_LANGUAGES.join(' or ')}`, 'en')
    .action(async (options: { lang: string }) => {
      if (!(STATEMENT_LANGUAGES as readonly string[]).includes(options.lang)) {
        throw new CliError(`--lang must be ${STATEMENT_LANGUAGES.join(' or ')}, not "${options.lang}"`)
      }
      const config = loadConfig()
      const api = await runningCollector(config)
      const lang = options.lang as StatementLanguage
      // Without a collector, the datasets are read from DATA_DIR when it holds a database; none are defined otherwise.
      const partners = async () =>
        fs.existsSync(path.join(config.dataDir, 'clickhouse'))
          ? withBackend(config, {
              remote: async () => {
                throw new CliError('a collector started while the statement was written: run the command again')
              },
              local: async (db) => {
                await migrate(db)
                return partnerStatement(db, config.exportMinVisitors, lang)
              },
            })
          : partnerSection([], config.exportMinVisitors, lang)
      const text = api ? await (await api.download(`/api/admin/privacy-statement?lang=${options.lang}`)).text() : `${privacyStatement(config, lang)}\n${await partners()}`
      process.stdout.write(text)
    })
}

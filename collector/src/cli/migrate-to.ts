import fs from 'node:fs'
import path from 'node:path'
import type { Command } from 'commander'
import { collectorSecretFile } from '../collector-secret.ts'
import { loadConfig, type Config } from '../config.ts'
import { DataDirInUseError, lockDataDir } from '../data-dir-lock.ts'
import { openDb, type Db } from '../db/client.ts'
import { configuredCluster } from '../db/cluster.ts'
import { migrate } from '../db/migrate.ts'
import { migrateTo, SchemaMismatchError, TargetNotEmptyError, type CopyProgress, type MigrateToResult } from '../db/migrate-to.ts'
import { SPOOL_TABLES, spoolDirOf, spoolShares, type SpoolName } from '../ingest/spool-budget.ts'
import { createBatchWriter } from '../ingest/writer.ts'
import { createLogger } from '../log.ts'
import { ttlDays } from '../privacy/retention.ts'
import { CliError } from './backend.ts'
import { formatTable } from './table.ts'

/** How long the spools' left-over batches may take to go into the embedded database before the copy. */
const SPOOL_REPLAY_TIMEOUT_MS = 300_000
/** How often the progress of a table is printed when stderr is not a terminal. */
const PROGRESS_EVERY_MS = 5000

/**
 * Inserts into the embedded database what the collector acknowledged and left in its spools, so
 * the copy has every event; a collector started later on this DATA_DIR finds nothing to replay.
 */
async function drainSpools(db: Db, config: Config): Promise<void> {
  const shares = spoolShares(config.spoolMaxBytes)
  const log = createLogger('error')
  for (const [name, table] of Object.entries(SPOOL_TABLES) as [SpoolName, string][]) {
    const spoolDir = spoolDirOf(config.dataDir, name)
    if (!fs.existsSync(spoolDir)) continue
    const writer = createBatchWriter(db, table, { batchRows: config.batchRows, flushIntervalMs: config.flushIntervalMs, spoolDir, maxSpoolBytes: shares[name] }, log)
    await writer.close(SPOOL_REPLAY_TIMEOUT_MS).catch((err: Error) => {
      throw new CliError(`the spool of ${table} in DATA_DIR could not be inserted into the embedded database first: ${err.message}`)
    })
  }
}

/** Prints a table's copy progress to stderr: one line updated in place on a terminal, else a line now and then. */
function progressPrinter(): (p: CopyProgress) => void {
  const tty = process.stderr.isTTY
  let last = 0
  const number = (n: number) => n.toLocaleString('en-US')
  return (p) => {
    const line = `copying ${p.table}: ${number(p.rows)} of ${number(p.total)} rows${p.done ? ', done' : ''}`
    if (tty) process.stderr.write(`\r\x1b[K${line}${p.done ? '\n' : ''}`)
    else if (p.done || Date.now() - last >= PROGRESS_EVERY_MS) {
      last = Date.now()
      process.stderr.write(`${line}\n`)
    }
  }
}

/** The table of checks: every copied table, its figures on both sides, and whether they are equal. */
function checksTable(result: MigrateToResult): string {
  return formatTable(
    ['TABLE', 'ROWS (EMBEDDED)', 'ROWS (SERVER)', 'TOTALS COMPARED', 'CHECK'],
    result.comparisons.map((c) => [c.table, c.source.rows, c.target.rows, String(Object.keys(c.source.totals).length), c.differences.length ? `DIFFERS: ${c.differences.join('; ')}` : 'equal']),
  )
}

/** What the collectors of the server need to carry on where the embedded one stopped; never the key itself. */
function nextSteps(config: Config, result: MigrateToResult): string {
  const secretFile = collectorSecretFile(config.dataDir)
  const key = config.secret
    ? 'TELLEN_SECRET: give every collector of the server the TELLEN_SECRET this one ran with (it is set here too); the salts of the last days are sealed with it.'
    : fs.existsSync(secretFile)
      ? `TELLEN_SECRET: the salts of the last days are sealed with the key in ${secretFile}; give every collector of the server that key, e.g. TELLEN_SECRET="$(cat ${secretFile})", through your secret store.`
      : 'TELLEN_SECRET: DATA_DIR holds no collector key; choose one (32 characters or more) and give every collector of the server the same.'
  const days = (table: string, column: string) => {
    const ttl = result.ttls.find((t) => t.table === table)?.ttl
    return ttl ? ttlDays(ttl, column) : undefined
  }
  const events = days('events', 'toDateTime(ts)')
  const rollups = days('rollup_pages', 'hour')
  const retention = [events === undefined ? '' : `TELLEN_EVENTS_RETENTION_DAYS=${events}`, rollups === undefined ? '' : `TELLEN_ROLLUP_RETENTION_DAYS=${rollups}`].filter(Boolean)
  return [
    'Next, start the collectors with CLICKHOUSE_URL set to the server, each with a DATA_DIR of its own:',
    `- ${key}`,
    retention.length ? `- The server keeps data as long as DATA_DIR did; start the collectors with ${retention.join(' ')} to keep it so (a collector sets its retention at start).` : '',
    '- Read and partner tokens, sites, goals and export datasets were copied; the admin token is TELLEN_ADMIN_TOKEN or DATA_DIR/admin-token of each collector.',
  ].filter(Boolean).join('\n')
}

/** `tellen migrate-to --clickhouse-url URL`: copies the embedded database in DATA_DIR into a ClickHouse server. */
export function register(program: Command): void {
  program
    .command('migrate-to')
    .description('copy the embedded database in DATA_DIR (collector stopped) into an empty ClickHouse server or cluster, and check every table')
    .requiredOption('--clickhouse-url <url>', 'the ClickHouse server to copy into (user and password: CLICKHOUSE_USER, CLICKHOUSE_PASSWORD; cluster: CLICKHOUSE_CLUSTER; settings: CLICKHOUSE_SETTINGS)')
    .action(async (options: { clickhouseUrl: string }) => {
      if (!/^https?:\/\//.test(options.clickhouseUrl)) throw new CliError(`--clickhouse-url must be an http:// or https:// address, not ${JSON.stringify(options.clickhouseUrl)}`)
      const config = loadConfig()
      if (config.clickhouseUrl) throw new CliError('CLICKHOUSE_URL is set: migrate-to copies the embedded database in DATA_DIR; unset it and name the server with --clickhouse-url')
      if (!fs.existsSync(path.join(config.dataDir, 'clickhouse'))) throw new CliError(`DATA_DIR ${config.dataDir} holds no embedded database (no clickhouse folder): set DATA_DIR to the collector's`)
      const lock = await lockDataDir(config.dataDir).catch((err: Error) => {
        if (err instanceof DataDirInUseError) throw new CliError(`${err.message}. Stop that collector first: migrate-to copies a database that nothing writes to`)
        throw err
      })
      const source = openDb({ dataDir: config.dataDir, settings: config.clickhouseSettings })
      const target = openDb({ url: options.clickhouseUrl, username: config.clickhouseUser, password: config.clickhousePassword, dataDir: config.dataDir, settings: config.clickhouseSettings })
      const interrupted = new AbortController()
      const interrupt = () => interrupted.abort(new CliError('interrupted'))
      process.once('SIGINT', interrupt)
      process.once('SIGTERM', interrupt)
      try {
        const ping = await target.ping()
        if (!ping.success) throw new CliError(`the server at ${options.clickhouseUrl} does not answer: ${ping.error.message.split('\n')[0]}`)
        await migrate(source)
        await drainSpools(source, config)
        const cluster = configuredCluster()
        process.stderr.write(`copying DATA_DIR ${config.dataDir} into ${options.clickhouseUrl}${cluster ? ` (cluster ${cluster})` : ''}\n`)
        let result: MigrateToResult
        try {
          result = await migrateTo(source, target, progressPrinter(), interrupted.signal)
        } catch (err) {
          if (err instanceof TargetNotEmptyError || err instanceof SchemaMismatchError) throw new CliError(err.message)
          const drop = `DROP DATABASE tellen${cluster ? ` ON CLUSTER ${cluster}` : ''} SYNC`
          throw new CliError(`${(err as Error).message.split('\n')[0]}. The server may hold part of the data now: run ${drop} on it before trying again`)
        }
        if (result.applied.length) process.stderr.write(`migrations applied on the server: ${result.applied.length}\n`)
        for (const t of result.ttls.filter((x) => x.changed)) process.stderr.write(`TTL of ${t.table} set as in DATA_DIR: ${t.ttl || 'none'}\n`)
        process.stdout.write(checksTable(result))
        const differing = result.comparisons.filter((c) => c.differences.length)
        if (differing.length) throw new CliError(`${differing.length} of ${result.comparisons.length} tables differ after the copy: ${differing.map((c) => c.table).join(', ')}`)
        const rows = result.copied.reduce((n, t) => n + t.rows, 0)
        process.stdout.write(`copied ${rows} rows in ${result.copied.length} tables; every table is equal on both sides\n\n${nextSteps(config, result)}\n`)
      } finally {
        process.off('SIGINT', interrupt)
        process.off('SIGTERM', interrupt)
        await Promise.allSettled([source.close(), target.close()])
        lock.release()
      }
    })
}

import fs from 'node:fs'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer, type ServerType } from '@hono/node-server'
import { ensureAdminToken } from './admin-token.ts'
import { ensureCollectorSecret } from './collector-secret.ts'
import { createTokenStore } from './auth/tokens.ts'
import { createApp } from './app.ts'
import { lockDataDir } from './data-dir-lock.ts'
import type { Config } from './config.ts'
import type { Services } from './context.ts'
import { openDb } from './db/client.ts'
import { migrate } from './db/migrate.ts'
import { createSaltStore } from './ingest/visitor.ts'
import { createRateLimits } from './ingest/rate-limit.ts'
import { createRefusalLog } from './ingest/refusal-log.ts'
import { createSpamFilter } from './ingest/referrer-spam.ts'
import { SPOOL_TABLES, spoolDirOf, spoolShares, type SpoolName } from './ingest/spool-budget.ts'
import { applyRetention } from './privacy/retention.ts'
import { saltSealKey } from './privacy/salt-seal.ts'
import { createCountingWriter } from './ingest/counting-writer.ts'
import { createBatchWriter } from './ingest/writer.ts'
import type { WriterObserver } from './ingest/inserter.ts'
import type { Logger } from './log.ts'
import { prepareSdk } from './routes/sdk.ts'
import { startupLine } from './startup-line.ts'
import { createMetrics } from './metrics.ts'
import { createSiteRegistry } from './sites.ts'
import { startVisitsJob } from './visits/sessionize.ts'

export interface RunningServer {
  url: string
  port: number
  services: Services
  /** Stops taking requests, writes what is buffered and closes the database, within `timeoutMs`. */
  close(timeoutMs?: number): Promise<void>
}

/**
 * Opens ClickHouse (embedded or server), applies migrations, loads sites and salts, and serves the
 * collector on `config.port` (0 picks a free port).
 */
export async function startServer(config: Config, log: Logger): Promise<RunningServer> {
  prepareDataDir(config.dataDir)
  const lock = await lockDataDir(config.dataDir)
  try {
    const running = await start(config, log, lock.release)
    lock.announce(running.url)
    return running
  } catch (err) {
    lock.release()
    throw err
  }
}

async function start(config: Config, log: Logger, release: () => void): Promise<RunningServer> {
  const { token: adminToken, created } = ensureAdminToken(config.dataDir, config.adminToken)
  if (created) {
    process.stderr.write(`\nTellen admin token (kept in ${config.dataDir}/admin-token; shown once):\n  ${adminToken}\n\n`)
  }
  if (config.defaultSites) log.warn('TELLEN_SITES is not set: only events for the site "localhost" are accepted')

  const db = openDb({ url: config.clickhouseUrl, username: config.clickhouseUser, password: config.clickhousePassword, dataDir: config.dataDir, settings: config.clickhouseSettings })
  if (Object.keys(config.clickhouseSettings).length) {
    // A value the engine refuses fails every statement: say so once, naming where it came from
    // (when the engine's message names one of the settings or their values, not for any failure).
    const named = new RegExp(
      Object.entries(config.clickhouseSettings)
        .flatMap(([name, value]) => [name, String(value)])
        .map((word) => `(?<![\\w.-])${word.replace(/[.+]/g, '\\$&')}(?![\\w.])`)
        .join('|'),
    )
    await db.query({ query: 'SELECT 1', format: 'JSONEachRow' }).catch((err: Error) => {
      throw named.test(err.message) ? new Error(`CLICKHOUSE_SETTINGS: ${err.message.trim()}`) : err
    })
  }
  let migrated = false
  const applied = await migrate(db)
  migrated = true
  if (applied.length) log.info({ applied }, 'migrations applied')
  const retention = await applyRetention(db, { eventsDays: config.eventsRetentionDays, rollupDays: config.rollupRetentionDays })
  if (retention.length) log.info({ changes: retention }, 'retention applied')

  await prepareSdk()
  const sites = createSiteRegistry(db, config.sites)
  await sites.refresh()
  const salts = createSaltStore(db, { key: saltSealKey(ensureCollectorSecret(config.dataDir, config.secret).secret), log })
  await salts.refresh()

  const metrics = createMetrics()
  const shares = spoolShares(config.spoolMaxBytes)
  const spool = (name: SpoolName) => ({
    observer: metrics.observer,
    batchRows: config.batchRows,
    flushIntervalMs: config.flushIntervalMs,
    spoolDir: spoolDirOf(config.dataDir, name),
    maxSpoolBytes: shares[name],
    // Refused rows are kept no longer than stored events (two days when events are not stored).
    quarantineDays: config.eventsRetentionDays || 2,
  })
  const visits = startVisitsJob(db, log, config.visitsIntervalMs)
  // Each insert of events is news for the visits job, which skips passes while nothing was written.
  const events = spool('events')
  const services: Services = {
    config,
    db,
    log,
    sites,
    salts,
    events: createBatchWriter(db, SPOOL_TABLES.events, { ...events, observer: alsoTelling(events.observer, () => visits.touch()) }, log),
    rejections: createCountingWriter(createBatchWriter(db, SPOOL_TABLES.rejections, spool('rejections'), log), { column: 'count', flushMs: 1000 }),
    honoured: createCountingWriter(createBatchWriter(db, SPOOL_TABLES.honoured, spool('honoured'), log), { column: 'requests', flushMs: 1000 }),
    adminToken,
    metrics,
    rateLimits: createRateLimits({ perPrefix: config.rateLimitPerMinute, perSite: config.siteRateLimitPerMinute }),
    refusals: createRefusalLog(log),
    isSpamReferrer: createSpamFilter(config.referrerSpamFile),
    tokens: createTokenStore(db, adminToken),
    visits,
    migrated: () => migrated,
  }

  metrics.watch(services.events)
  metrics.watch(services.rejections)
  metrics.watch(services.honoured)

  const refresher = setInterval(() => {
    Promise.all([salts.refresh(), sites.refresh()]).catch((err: Error) => log.error({ err: err.message }, 'refresh failed'))
  }, config.refreshIntervalMs)
  refresher.unref()

  const app = createApp(services)
  const server: ServerType = createAdaptorServer({
    fetch: app.fetch,
    // Node waits 300 s for a request by default: a client that sends its body a byte at a time
    // would hold a connection (and a file descriptor) that long.
    serverOptions: {
      requestTimeout: config.requestTimeoutMs,
      headersTimeout: Math.min(20_000, config.requestTimeoutMs),
      connectionsCheckingInterval: Math.min(5000, Math.ceil(config.requestTimeoutMs / 2)),
    },
  })
  try {
    await listen(server, config.port, config.host)
  } catch (err) {
    // Nothing was taken yet: close what was opened, so the process can exit cleanly with the reason.
    clearInterval(refresher)
    await Promise.allSettled([services.events.close(1000), services.rejections.close(1000), services.honoured.close(1000), services.visits.stop()])
    await db.close().catch(() => undefined)
    throw err
  }
  const port = (server.address() as AddressInfo).port
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host
  const url = `http://${host}:${port}`
  log.info({ port, url, dashboard: `${url}/dashboard`, clickhouse: config.clickhouseUrl ? 'server' : 'embedded', dataDir: config.dataDir }, 'tellen is listening')
  process.stderr.write(`${startupLine({ host: config.host, port, dataDir: config.dataDir, tokenFromEnv: Boolean(config.adminToken) })}\n`)

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    services,
    close(timeoutMs = 10_000) {
      closing ??= (async () => {
        const deadline = Date.now() + timeoutMs
        clearInterval(refresher)
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          if ('closeIdleConnections' in server) {
            server.closeIdleConnections()
            setTimeout(() => server.closeAllConnections(), Math.min(2000, timeoutMs / 4)).unref()
          }
        })
        services.refusals.flush()
        // What cannot be inserted before the deadline stays in the spool and is replayed at the next start.
        const left = Math.max(100, deadline - Date.now() - 250)
        const results = await Promise.allSettled([services.events.close(left), services.rejections.close(left), services.honoured.close(left)])
        // Events not yet cut into visits are cut by the next pass of any collector; a pass under way
        // may finish until the deadline.
        await Promise.race([services.visits.stop(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now() - 100)).unref())])
        for (const r of results) if (r.status === 'rejected') log.warn({ err: (r.reason as Error).message }, 'shutdown: not everything was inserted')
        await db.close()
        release()
      })()
      return closing
    },
  }
}

/** Listens on `host:port`; rejects with a sentence naming the address when that is not possible. */
function listen(server: ServerType, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${host}:${port}`
      const why =
        err.code === 'EADDRINUSE' ? `${where} is already in use (PORT, HOST)`
        : err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN' ? `HOST ${JSON.stringify(host)} is not an address of this machine`
        : err.code === 'EACCES' ? `no permission to listen on ${where} (PORT)`
        : `cannot listen on ${where}: ${err.message}`
      reject(new Error(why))
    }
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
}

/** Creates DATA_DIR when missing and checks that it can be written, or says what is wrong with it. */
function prepareDataDir(dir: string): void {
  const code = (err: unknown) => (err as NodeJS.ErrnoException).code ?? (err as Error).message
  const found = fs.statSync(dir, { throwIfNoEntry: false })
  if (found && !found.isDirectory()) throw new Error(`DATA_DIR ${dir} is not a directory`)
  try {
    fs.mkdirSync(dir, { recursive: true })
  } catch (err) {
    throw new Error(`DATA_DIR ${dir} cannot be created (${code(err)})`)
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK)
  } catch (err) {
    throw new Error(`DATA_DIR ${dir} is not writable (${code(err)})`)
  }
}

/** An observer of a writer's inserts that also calls `told` after each insert, done or failed. */
function alsoTelling(observer: WriterObserver, told: () => void): WriterObserver {
  return {
    inserted(table, rows, seconds) {
      observer.inserted(table, rows, seconds)
      told()
    },
    insertFailed(table) {
      observer.insertFailed(table)
      told()
    },
  }
}

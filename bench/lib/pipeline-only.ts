import type { AddressInfo } from 'node:net'
import os from 'node:os'
import { createClient } from '@clickhouse/client'
import { serve } from '@hono/node-server'
import { createApp } from '../../collector/src/app.ts'
import { createTokenStore } from '../../collector/src/auth/tokens.ts'
import { loadConfig } from '../../collector/src/config.ts'
import type { Services } from '../../collector/src/context.ts'
import type { BatchWriter } from '../../collector/src/ingest/writer.ts'
import { createCountingWriter } from '../../collector/src/ingest/counting-writer.ts'
import { createRateLimits } from '../../collector/src/ingest/rate-limit.ts'
import { createSpamFilter } from '../../collector/src/ingest/referrer-spam.ts'
import { createLogger } from '../../collector/src/log.ts'
import { createRefusalLog } from '../../collector/src/ingest/refusal-log.ts'
import { createMetrics } from '../../collector/src/metrics.ts'
import { createSiteRegistry } from '../../collector/src/sites.ts'

/**
 * The collector's HTTP app and ingest pipeline without the embedded ClickHouse engine: the same
 * `createApp`, with sites from TELLEN_SITES, one in-memory salt, and writers that count the rows
 * they are given and keep none. It measures what the process costs besides storage; it is not a
 * collector anyone should run. Prints its port.
 */
const config = loadConfig({ ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: os.tmpdir() })
const log = createLogger(config.logLevel)
const counting = (table: string): BatchWriter => {
  let rows = 0
  return {
    table,
    async write(lines) {
      rows += lines.length
    },
    async flush() {},
    async close() {},
    stats: () => ({
      rowsWritten: rows, batchesWritten: 0, insertErrors: 0, pendingRows: 0, pendingBatches: 0, spoolBytes: 0, bufferedBytes: 0, failing: false,
      replayedBatches: 0, quarantinedRows: 0, lastError: undefined,
    }),
  }
}
const salt = Buffer.alloc(32, 7)
// A client for a server that is never asked anything (/api/event does not query ClickHouse); the
// embedded engine's library is not loaded in this process.
const db = createClient({ url: 'http://127.0.0.1:9' })
const services: Services = {
  config,
  db,
  log,
  sites: createSiteRegistry(db, config.sites),
  salts: { saltFor: () => salt, refresh: async () => {}, ready: () => true },
  events: counting('tellen.events_in'),
  rejections: createCountingWriter(counting('tellen.rejections'), { column: 'count', flushMs: 1000 }),
  honoured: createCountingWriter(counting('tellen.rollup_honoured'), { column: 'requests', flushMs: 1000 }),
  adminToken: 'unused-admin-token-0123456789',
  metrics: createMetrics(),
  rateLimits: createRateLimits({ perPrefix: config.rateLimitPerMinute, perSite: config.siteRateLimitPerMinute }),
  refusals: createRefusalLog(log),
  isSpamReferrer: createSpamFilter(),
  tokens: createTokenStore(db, 'unused-admin-token-0123456789'),
  visits: { runNow: async () => {}, touch: () => {}, exclusive: (fn) => fn(), stop: async () => {} },
  migrated: () => true,
}
const server = serve({ fetch: createApp(services).fetch, port: 0, hostname: '127.0.0.1' }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })} listening\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))

import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'
import { parseEngineSettings, type EngineSettings } from './db/engine-settings.ts'
import { EVENTS_RETENTION_DAYS, IPV4_PREFIX, IPV6_PREFIX, ROLLUP_RETENTION_DAYS } from './privacy/policy.ts'

/** Decimal digits only: Number() would also read `0x10` as 16, `1e3` as 1000 and `0b1` as 1. */
const int = (min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .regex(/^-?\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .default(fallback)

const readableFile = (f: string) => {
  try {
    fs.accessSync(f, fs.constants.R_OK)
    return fs.statSync(f).isFile()
  } catch {
    return false
  }
}

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/, 'is not a domain name')

const envSchema = z.object({
  PORT: int(0, 65535, 8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATA_DIR: z.string().min(1).default('./data'),
  CLICKHOUSE_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://localhost:8123' })
    .optional(),
  CLICKHOUSE_USER: z.string().optional(),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_SETTINGS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const settings = parseEngineSettings(v ?? '')
      if (typeof settings === 'string') {
        ctx.addIssue({ code: 'custom', message: settings })
        return z.NEVER
      }
      return settings
    }),
  TELLEN_SITES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const sites = (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)
      const out: string[] = []
      for (const s of sites) {
        const parsed = domain.safeParse(s)
        if (!parsed.success) {
          ctx.addIssue({ code: 'custom', message: `"${s}" is not a domain name` })
          return z.NEVER
        }
        out.push(parsed.data)
      }
      return out
    }),
  TELLEN_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  TELLEN_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === '' || v === 'false' || v === '0') return 0
      if (v === 'true') return 1
      const n = Number(v)
      if (!Number.isInteger(n) || n < 0 || n > 10) {
        ctx.addIssue({ code: 'custom', message: 'must be true, false or the number of proxies in front (0-10)' })
        return z.NEVER
      }
      return n
    }),
  TELLEN_IPV4_PREFIX: int(IPV4_PREFIX.min, IPV4_PREFIX.max, IPV4_PREFIX.default),
  TELLEN_IPV6_PREFIX: int(IPV6_PREFIX.min, IPV6_PREFIX.max, IPV6_PREFIX.default),
  TELLEN_EVENTS_RETENTION_DAYS: int(EVENTS_RETENTION_DAYS.min, EVENTS_RETENTION_DAYS.max, EVENTS_RETENTION_DAYS.default),
  TELLEN_ROLLUP_RETENTION_DAYS: int(ROLLUP_RETENTION_DAYS.min, ROLLUP_RETENTION_DAYS.max, ROLLUP_RETENTION_DAYS.default),
  TELLEN_MAX_BODY_KB: int(1, 1024, 64),
  TELLEN_BATCH_ROWS: int(1, 200_000, 100_000),
  TELLEN_FLUSH_INTERVAL_MS: int(10, 60_000, 5000),
  TELLEN_TEST_PAGES: z.string().min(1).optional(),
  TELLEN_TEST_PAGE_SERVER: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const pinned = new Map<string, PinnedAddress>()
      for (const entry of (v ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
        const m = /^([a-z0-9.-]+)=([0-9.]+|\[[0-9a-f:]+\]):(\d{1,5})$/.exec(entry)
        if (!m) {
          ctx.addIssue({ code: 'custom', message: `"${entry}" is not host=address:port, such as shop.test=127.0.0.1:8443` })
          return z.NEVER
        }
        pinned.set(m[1]!, { address: m[2]!.replace(/^\[|\]$/g, ''), port: Number(m[3]) })
      }
      return pinned
    }),
  TELLEN_SPOOL_MAX_MB: int(1, 1_048_576, 1024),
  TELLEN_RATE_LIMIT_PER_MINUTE: int(0, 10_000_000, 1200),
  TELLEN_SITE_RATE_LIMIT_PER_MINUTE: int(0, 100_000_000, 600_000),
  TELLEN_SHUTDOWN_TIMEOUT_MS: int(100, 600_000, 15_000),
  TELLEN_REQUEST_TIMEOUT_MS: int(1000, 300_000, 30_000),
  TELLEN_REFERRER_SPAM_FILE: z
    .string()
    .optional()
    .refine((f) => !f || readableFile(f), 'is not a readable file'),
  TELLEN_VISITS_INTERVAL_MS: int(100, 3_600_000, 60_000),
  TELLEN_REFRESH_INTERVAL_MS: int(100, 3_600_000, 60_000),
  TELLEN_EXPORT_MIN_VISITORS: int(2, 1_000_000, 10),
  TELLEN_EXPORT_EPSILON_BUDGET: z.string().trim().regex(/^\d{1,3}(\.\d{1,3})?$/, 'must be a number with at most three decimals, such as 4 or 2.5').transform((v) => Math.round(Number(v) * 1000)).default(4000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
})

/** Where a site's page is fetched from instead of the address its name resolves to (tests only). */
export interface PinnedAddress {
  address: string
  port: number
}

/** The collector's configuration, read once from the environment at start. */
export interface Config {
  port: number
  host: string
  dataDir: string
  clickhouseUrl: string | undefined
  clickhouseUser: string | undefined
  clickhousePassword: string | undefined
  /** ClickHouse settings sent with every statement (CLICKHOUSE_SETTINGS), to the server or the embedded engine. */
  clickhouseSettings: EngineSettings
  /** Sites that may send events, from TELLEN_SITES; `defaultSites` is true when none were given. */
  sites: string[]
  defaultSites: boolean
  adminToken: string | undefined
  /** The collector key that seals the daily salts (TELLEN_SECRET); required with CLICKHOUSE_URL, else generated into DATA_DIR. */
  secret: string | undefined
  /** How many proxies in front of the collector may be trusted for X-Forwarded-For (0: use the socket). */
  trustProxy: number
  ipv4Prefix: number
  ipv6Prefix: number
  /** Days anonymised events are kept; 0: they are never stored, only rollups are written. */
  eventsRetentionDays: number
  /** Days rollups are kept; 0: kept until deleted. */
  rollupRetentionDays: number
  maxBodyBytes: number
  batchRows: number
  flushIntervalMs: number
  /** Spool size (bytes) at which /api/event answers 503 instead of accepting more. */
  spoolMaxBytes: number
  /** Requests per minute from one truncated client prefix, and to one site (0: no limit). */
  rateLimitPerMinute: number
  siteRateLimitPerMinute: number
  /** Longest a graceful shutdown (SIGTERM) may take before the process exits anyway. */
  shutdownTimeoutMs: number
  /** Longest a client may take to send a whole request (headers and body); then 408 and the connection is closed. */
  requestTimeoutMs: number
  /** A referrer spam list (one host per line) added to the built-in one. */
  referrerSpamFile: string | undefined
  /** How often recent events are cut into visits. */
  visitsIntervalMs: number
  /** How often sites and salts are read again from ClickHouse, where other collectors may have changed them. */
  refreshIntervalMs: number
  /** The least visitors an exported row may describe (k); no export may ask for less. */
  exportMinVisitors: number
  /** The epsilon every day of a site may spend on partner datasets together, in thousandths. */
  exportEpsilonBudgetMilli: number
  logLevel: string
  /** A directory served at /test-pages/ for browser tests; unset in production. */
  testPages: string | undefined
  /**
   * TELLEN_TEST_PAGE_SERVER, for tests only: site domains whose pages the page-frame check fetches
   * from a fixed address and port, which may be a loopback address (every other site's may not).
   */
  testPageServer: ReadonlyMap<string, PinnedAddress>
}

/** Raised when an environment variable holds a value Tellen cannot use; the message names it. */
export class ConfigError extends Error {
  override name = 'ConfigError'
}

/**
 * Reads and validates the configuration.
 * @example
 * const config = loadConfig({ PORT: '9000', TELLEN_SITES: 'example.com' })
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // An empty variable counts as unset.
  const given = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''))
  const parsed = envSchema.safeParse(given)
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'environment')
      return `${name}=${JSON.stringify(env[name] ?? '')} ${i.message}`
    })
    throw new ConfigError(`invalid configuration: ${lines.join('; ')}`)
  }
  const e = parsed.data
  if (e.CLICKHOUSE_URL && !e.TELLEN_SECRET) {
    throw new ConfigError(
      'invalid configuration: TELLEN_SECRET must be set when CLICKHOUSE_URL is: every collector of a ClickHouse server needs the same key ' +
        'to seal and open the daily salts (at least 32 characters, e.g. `openssl rand -base64 32`)',
    )
  }
  const defaultSites = e.TELLEN_SITES.length === 0
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    clickhouseUrl: e.CLICKHOUSE_URL,
    clickhouseUser: e.CLICKHOUSE_USER,
    clickhousePassword: e.CLICKHOUSE_PASSWORD,
    clickhouseSettings: e.CLICKHOUSE_SETTINGS,
    sites: defaultSites ? ['localhost'] : e.TELLEN_SITES,
    defaultSites,
    adminToken: e.TELLEN_ADMIN_TOKEN,
    secret: e.TELLEN_SECRET,
    trustProxy: e.TRUST_PROXY,
    ipv4Prefix: e.TELLEN_IPV4_PREFIX,
    ipv6Prefix: e.TELLEN_IPV6_PREFIX,
    eventsRetentionDays: e.TELLEN_EVENTS_RETENTION_DAYS,
    rollupRetentionDays: e.TELLEN_ROLLUP_RETENTION_DAYS,
    maxBodyBytes: e.TELLEN_MAX_BODY_KB * 1024,
    batchRows: e.TELLEN_BATCH_ROWS,
    flushIntervalMs: e.TELLEN_FLUSH_INTERVAL_MS,
    spoolMaxBytes: e.TELLEN_SPOOL_MAX_MB * 1024 * 1024,
    rateLimitPerMinute: e.TELLEN_RATE_LIMIT_PER_MINUTE,
    siteRateLimitPerMinute: e.TELLEN_SITE_RATE_LIMIT_PER_MINUTE,
    shutdownTimeoutMs: e.TELLEN_SHUTDOWN_TIMEOUT_MS,
    requestTimeoutMs: e.TELLEN_REQUEST_TIMEOUT_MS,
    referrerSpamFile: e.TELLEN_REFERRER_SPAM_FILE || undefined,
    visitsIntervalMs: e.TELLEN_VISITS_INTERVAL_MS,
    refreshIntervalMs: e.TELLEN_REFRESH_INTERVAL_MS,
    exportMinVisitors: e.TELLEN_EXPORT_MIN_VISITORS,
    exportEpsilonBudgetMilli: e.TELLEN_EXPORT_EPSILON_BUDGET,
    logLevel: e.LOG_LEVEL,
    testPages: e.TELLEN_TEST_PAGES ? path.resolve(e.TELLEN_TEST_PAGES) : undefined,
    testPageServer: e.TELLEN_TEST_PAGE_SERVER,
  }
}

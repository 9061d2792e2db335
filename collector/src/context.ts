import type { Principal, TokenStore } from './auth/tokens.ts'
import type { Config } from './config.ts'
import type { Db } from './db/client.ts'
import type { RateLimits } from './ingest/rate-limit.ts'
import type { RefusalLog } from './ingest/refusal-log.ts'
import type { SaltStore } from './ingest/visitor.ts'
import type { CountingWriter } from './ingest/counting-writer.ts'
import type { BatchWriter } from './ingest/writer.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics.ts'
import type { SiteRegistry } from './sites.ts'
import type { VisitsJob } from './visits/sessionize.ts'

/** Everything a route may use, built once at start by `startServer`. */
export interface Services {
  config: Config
  db: Db
  log: Logger
  sites: SiteRegistry
  salts: SaltStore
  /** Writes anonymised events into `tellen.events_in`. */
  events: BatchWriter
  /** Sums counts of what was not stored and writes them into `tellen.rejections` every second. */
  rejections: CountingWriter
  /** Sums requests not tracked because of DNT or GPC and writes them into `tellen.rollup_honoured` every second. */
  honoured: CountingWriter
  adminToken: string
  metrics: Metrics
  rateLimits: RateLimits
  /** Counts refused requests to `/api/event` and logs them as a summary line a minute at info. */
  refusals: RefusalLog
  /** True for a referrer host on the referrer spam list. */
  isSpamReferrer(host: string): boolean
  /** Read and partner tokens (hashes in `tellen.tokens`), and the admin token. */
  tokens: TokenStore
  /** Cuts recent events into visits in `tellen.rollup_visits`, every minute. */
  visits: VisitsJob
  /** True once migrations have been applied in this process. */
  migrated: () => boolean
}

/** Per-request variables set by the collector's middleware. */
export interface Env {
  Variables: {
    /** The truncated network prefix, which may be logged and stored. */
    ipPrefix: string
    /** Who the bearer token belongs to, on routes that require one. */
    principal: Principal
  }
}

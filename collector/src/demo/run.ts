import { randomBytes } from 'node:crypto'
import type { Db } from '../db/client.ts'
import { DROP_POLICY, isDrop } from '../ingest/drop.ts'
import { parseIp, truncateIp } from '../ingest/ip.ts'
import { processBatch } from '../ingest/pipeline.ts'
import { utcDay } from '../ingest/visitor.ts'
import { WriterFullError, type BatchWriter } from '../ingest/writer.ts'
import { addSite, listSites } from '../sites.ts'
import { demoTraffic, type DemoOptions } from './traffic.ts'

export interface DemoResult {
  requests: number
  events: number
}

/** A request the pipeline kept out (a crawler, a foreign origin), as `tellen.rejections` counts it. */
export interface DemoRefusal {
  site: string
  day: string
  reason: string
  ip_prefix: string
}

/** Registers the demo site (UTC days) unless it is registered already. */
export async function registerDemoSite(db: Db, site: string): Promise<void> {
  if (!(await listSites(db)).some((s) => s.domain === site)) await addSite(db, { domain: site, timezone: 'UTC', query_allowlist: [] })
}

/**
 * Sends generated traffic through the real ingest pipeline (each request with its own time of receipt)
 * and the batch writer, reporting progress in events. Past days get random salts that live only in
 * this process, as expired salts would.
 */
export async function runDemo(
  o: DemoOptions,
  writer: BatchWriter,
  onProgress: (events: number) => void = () => {},
  onRefused: (refusal: DemoRefusal, count: number) => void = () => {},
): Promise<DemoResult> {
  const salts = new Map<string, Buffer>()
  const saltFor = (now: number) => {
    const day = utcDay(now)
    let salt = salts.get(day)
    if (!salt) salts.set(day, (salt = randomBytes(32)))
    return salt
  }
  const deps = {
    site: (d: string) => (d === o.site ? { domain: o.site, timezone: 'UTC', queryAllowlist: new Set<string>() } : undefined),
    saltFor,
    ipv4Prefix: 24,
    ipv6Prefix: 48,
  }
  let pending: string[] = []
  let events = 0
  let requests = 0
  const push = async () => {
    for (;;) {
      try {
        await writer.write(pending)
        break
      } catch (err) {
        if (!(err instanceof WriterFullError)) throw err
        await writer.flush()
      }
    }
    pending = []
    if (writer.stats().pendingRows > 100_000) await writer.flush()
    onProgress(events)
    // Let a server that runs the demo keep answering requests.
    await new Promise((r) => setImmediate(r))
  }
  for (const req of demoTraffic(o)) {
    const ip = parseIp(req.ip)
    const ipPrefix = ip ? truncateIp(ip, deps.ipv4Prefix, deps.ipv6Prefix) : ''
    const result = processBatch(req.body, { ip, ipPrefix, userAgent: req.userAgent, origin: req.origin, now: req.now }, deps)
    if (isDrop(result)) {
      // Crawlers and foreign origins are part of the demo; any other refusal is a fault of the generator.
      if (!DROP_POLICY[result.reason].securityView || result.reason === 'invalid') throw new Error(`demo batch refused: ${result.error}`)
      onRefused({ site: o.site, day: utcDay(req.now), reason: result.reason, ip_prefix: ipPrefix }, result.events)
      continue
    }
    if (result.errors.length) throw new Error(`demo event refused: ${result.errors[0]!.error}`)
    for (const drop of result.drops) onRefused({ site: o.site, day: utcDay(req.now), reason: drop.reason, ip_prefix: ipPrefix }, drop.events)
    for (const row of result.rows) pending.push(row)
    events += result.rows.length
    requests++
    if (pending.length >= 5000) await push()
  }
  if (pending.length) await push()
  await writer.flush()
  onProgress(events)
  return { requests, events }
}

import { parseIp, truncateIp } from '../../collector/src/ingest/ip.ts'
import { processBatch } from '../../collector/src/ingest/pipeline.ts'
import { createSpamFilter } from '../../collector/src/ingest/referrer-spam.ts'
import { prepareTraffic } from './traffic.ts'

/**
 * CPU time of `processBatch` per event, alone (no HTTP, no writer): the ingest benches' bodies parsed
 * and turned into rows in a loop, five rounds after a warm-up.
 *
 * Usage: tsx bench/lib/pipeline-cost.ts [events per request, default 20]
 */
const perRequest = Number(process.argv[2] ?? 20)
const requests = prepareTraffic({ site: 'example.com', count: 200, eventsPerRequest: perRequest, botShare: 0 })
const salt = Buffer.alloc(32, 3)
const site = { domain: 'example.com', timezone: 'UTC', queryAllowlist: new Set<string>() }
const deps = {
  site: (d: string) => (d === 'example.com' ? site : undefined),
  // One salt, as the salt store holds one per day (the visitor hash keeps its padded keys per salt).
  saltFor: () => salt,
  ipv4Prefix: 24,
  ipv6Prefix: 48,
  isSpamReferrer: createSpamFilter(),
}
const ips = requests.map((r) => parseIp(r.headers['x-forwarded-for']!)!)
const prefixes = ips.map((ip) => truncateIp(ip, 24, 48))
const now = Date.now()
const one = (i: number) =>
  processBatch(JSON.parse(requests[i]!.body), { ip: ips[i], ipPrefix: prefixes[i], userAgent: requests[i]!.headers['user-agent']!, origin: 'https://example.com', now }, deps)

for (let i = 0; i < 4000; i++) one(i % requests.length)
const rounds: number[] = []
const calls = Math.max(2000, Math.round(400_000 / perRequest))
for (let r = 0; r < 5; r++) {
  const start = process.cpuUsage()
  for (let i = 0; i < calls; i++) one(i % requests.length)
  const used = process.cpuUsage(start)
  rounds.push((used.user + used.system) / calls / perRequest)
}
process.stdout.write(`${JSON.stringify({ eventsPerRequest: perRequest, cpuMicrosPerEvent: rounds.map((x) => +x.toFixed(2)) })}\n`)

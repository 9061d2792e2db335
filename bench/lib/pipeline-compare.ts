import path from 'node:path'

/**
 * CPU time of `processBatch` per event in two (or more) checkouts of Tellen, loaded into one process
 * and run in alternating rounds on the same traffic (bench/lib/traffic.ts), so that other work on a
 * shared machine falls on both alike: prints each checkout's median and the median of the paired
 * ratios against the first. Made for comparing a change with the code before it when the machine
 * is too busy for `pipeline-cost.ts` run one checkout after the other.
 *
 * Usage: tsx bench/lib/pipeline-compare.ts EVENTS_PER_REQUEST ROUNDS DIR_BEFORE DIR_AFTER [DIR...]
 * @example
 * // tsx bench/lib/pipeline-compare.ts 1 15 ../before .
 */
const [perRequestArg = '1', roundsArg = '15', ...dirs] = process.argv.slice(2)
if (dirs.length < 2) throw new Error('usage: pipeline-compare.ts EVENTS_PER_REQUEST ROUNDS DIR_BEFORE DIR_AFTER [DIR...]')
const perRequest = Number(perRequestArg)
/** Calls per round: about 400,000 events over all rounds of a checkout at 20 per request. */
const CALLS_PER_ROUND = Math.max(2000, Math.round(20_000 / perRequest))
const WARMUP_CALLS = 20_000

interface Checkout {
  name: string
  /** Runs the pipeline on the `i`th request of the traffic. */
  process(i: number): unknown
  requests: number
}

async function load(dir: string): Promise<Checkout> {
  const root = path.resolve(dir)
  const from = (file: string) => import(path.join(root, file))
  const { parseIp, truncateIp } = await from('collector/src/ingest/ip.ts')
  const { processBatch } = await from('collector/src/ingest/pipeline.ts')
  const { createSpamFilter } = await from('collector/src/ingest/referrer-spam.ts')
  const { prepareTraffic } = await from('bench/lib/traffic.ts')
  const requests: { body: string; headers: Record<string, string> }[] = prepareTraffic({ site: 'example.com', count: 200, eventsPerRequest: perRequest, botShare: 0 })
  const salt = Buffer.alloc(32, 3)
  const site = { domain: 'example.com', timezone: 'UTC', queryAllowlist: new Set<string>() }
  const deps = { site: (d: string) => (d === 'example.com' ? site : undefined), saltFor: () => salt, ipv4Prefix: 24, ipv6Prefix: 48, isSpamReferrer: createSpamFilter() }
  const ips = requests.map((r) => parseIp(r.headers['x-forwarded-for']))
  const prefixes = ips.map((ip) => truncateIp(ip, 24, 48))
  const now = Date.now()
  return {
    name: path.basename(root),
    requests: requests.length,
    process: (i) =>
      processBatch(JSON.parse(requests[i]!.body), { ip: ips[i], ipPrefix: prefixes[i], userAgent: requests[i]!.headers['user-agent']!, origin: 'https://example.com', now }, deps),
  }
}

const checkouts: Checkout[] = []
for (const dir of dirs) checkouts.push(await load(dir))
for (const c of checkouts) for (let i = 0; i < WARMUP_CALLS; i++) c.process(i % c.requests)

const perEvent = checkouts.map(() => [] as number[])
for (let round = 0; round < Number(roundsArg); round++) {
  const order = round % 2 ? [...checkouts.keys()].reverse() : [...checkouts.keys()]
  for (const k of order) {
    const c = checkouts[k]!
    const start = process.cpuUsage()
    for (let i = 0; i < CALLS_PER_ROUND; i++) c.process(i % c.requests)
    const used = process.cpuUsage(start)
    perEvent[k]!.push((used.user + used.system) / CALLS_PER_ROUND / perRequest)
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
process.stdout.write(`${JSON.stringify({
  eventsPerRequest: perRequest,
  cpuMicrosPerEvent: Object.fromEntries(checkouts.map((c, k) => [c.name, { median: +median(perEvent[k]!).toFixed(2), rounds: perEvent[k]!.map((x) => +x.toFixed(2)) }])),
  medianRatioToFirst: Object.fromEntries(checkouts.slice(1).map((c, k) => [c.name, +median(perEvent[k + 1]!.map((x, i) => x / perEvent[0]![i]!)).toFixed(3)])),
})}\n`)

import { classifyReferrer } from '../../collector/src/ingest/referrer.ts'
import { scrubText } from '../../collector/src/ingest/scrub.ts'
import { cleanUrl } from '../../collector/src/ingest/url.ts'
import { prepareTraffic } from './traffic.ts'

/**
 * CPU time of the scrubbing functions alone, per call, on the URLs, referrers and element
 * descriptors of the ingest benches' traffic: `cleanUrl` (path and query), `classifyReferrer` (the
 * referrer host) and `scrubText` (element descriptors and event names); five rounds after a warm-up.
 *
 * Usage: tsx bench/lib/scrub-cost.ts
 */
const events = prepareTraffic({ site: 'example.com', count: 400, eventsPerRequest: 20, botShare: 0 })
  .flatMap((r) => (JSON.parse(r.body) as { events: Record<string, string>[] }).events)
const urls = [...new Set(events.map((e) => e.url!))]
const referrers = events.flatMap((e) => (e.referrer ? [e.referrer] : []))
const texts = events.flatMap((e) => [e.el, e.name].filter((t): t is string => typeof t === 'string'))

const measure = (name: string, inputs: string[], fn: (input: string) => unknown) => {
  const calls = Math.max(200_000, inputs.length)
  for (let i = 0; i < calls / 4; i++) fn(inputs[i % inputs.length]!)
  const rounds: number[] = []
  for (let r = 0; r < 5; r++) {
    const start = process.cpuUsage()
    for (let i = 0; i < calls; i++) fn(inputs[i % inputs.length]!)
    const used = process.cpuUsage(start)
    rounds.push(+(((used.user + used.system) * 1000) / calls).toFixed(0))
  }
  return { [name]: { inputs: inputs.length, cpuNanosPerCall: rounds } }
}

process.stdout.write(`${JSON.stringify({
  ...measure('cleanUrl', urls, (u) => cleanUrl(u)),
  ...measure('classifyReferrer', referrers, (r) => classifyReferrer(r, 'example.com')),
  ...measure('scrubText', texts, scrubText),
})}\n`)

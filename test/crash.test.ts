import { afterAll, describe, expect, it } from 'vitest'
import { rows, startCollector, UA, withDataDir, type Collector } from './helpers/collector.ts'
import { migratedDataDir } from './helpers/migrated-data-dir.ts'

const SITE = 'crash.test'
const KILLS = 10
const WORKERS = 6

interface Sent {
  events: number
  outcome: 'acked' | 'refused' | 'unknown'
}

/**
 * Posts batches in a loop against whichever collector is current. A request that got 202 is acked;
 * one that got another answer was refused; one whose connection died with the process is unknown
 * (it may or may not have been fsynced before the kill).
 */
function load(current: () => Collector | undefined, stop: () => boolean, sent: Map<string, Sent>) {
  let next = 0
  const worker = async (w: number) => {
    while (!stop()) {
      const c = current()
      if (!c) {
        await new Promise((r) => setTimeout(r, 10))
        continue
      }
      const id = `w${w}-${next++}`
      const events = 1 + (next % 12)
      const now = Date.now()
      const body = JSON.stringify({
        v: 1, site: SITE,
        events: Array.from({ length: events }, (_, i) => ({ type: 'pageview', url: `https://${SITE}/r/${id}/${i}`, ts: now })),
      })
      try {
        const res = await fetch(`${c.url}/api/event`, {
          method: 'POST', body, headers: { 'content-type': 'text/plain', 'user-agent': UA.chromeMac }, signal: AbortSignal.timeout(10_000),
        })
        await res.arrayBuffer()
        sent.set(id, { events, outcome: res.status === 202 ? 'acked' : 'refused' })
      } catch (err) {
        // A refused connection never reached a collector; any other failure may have been cut mid-request.
        const refused = (err as { cause?: { code?: string } }).cause?.code === 'ECONNREFUSED'
        sent.set(id, { events, outcome: refused ? 'refused' : 'unknown' })
        await new Promise((r) => setTimeout(r, 10))
      }
    }
  }
  return Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)))
}

describe('crash safety', () => {
  const dataDir = migratedDataDir('tellen-crash-')
  const env = { TELLEN_SITES: SITE, TELLEN_FLUSH_INTERVAL_MS: '30', TELLEN_BATCH_ROWS: '200' }
  let c: Collector | undefined

  afterAll(async () => {
    await c?.stop('SIGKILL')
  })

  it('stores exactly the acknowledged events after ten SIGKILLs under load: none lost, none doubled', async () => {
    const sent = new Map<string, Sent>()
    let done = false
    c = await startCollector(env, dataDir)
    const running = load(() => c, () => done, sent)
    let replays = 0
    for (let k = 0; k < KILLS; k++) {
      await new Promise((r) => setTimeout(r, 200 + Math.random() * 600))
      const victim = c!
      c = undefined
      await victim.stop('SIGKILL')
      c = await startCollector(env, dataDir)
      await new Promise((r) => setTimeout(r, 50))
      if (c.output().includes('replaying batches left by the last run')) replays++
    }
    await new Promise((r) => setTimeout(r, 300))
    done = true
    await running
    expect(await c!.stop('SIGTERM')).toBe(0)
    c = undefined

    const stored = await withDataDir(dataDir, async (db) => {
      const perRequest = await rows<{ id: string; n: number; distinct_paths: number }>(
        db,
        `SELECT extract(path, '^/r/([^/]+)/') AS id, toUInt32(count()) AS n, toUInt32(uniqExact(path)) AS distinct_paths
         FROM tellen.events WHERE site = {site:String} GROUP BY id`,
        { site: SITE },
      )
      // Rollups fed from tellen.events_in (the targets of views that read it), with an event count column.
      const views = await rows<{ q: string }>(db, `SELECT create_table_query AS q FROM system.tables WHERE database = 'tellen' AND engine = 'MaterializedView'`)
      const targets = views
        .filter((v) => /FROM tellen\.events_in\b/.test(v.q))
        .map((v) => /\bTO tellen\.(rollup_\w+)/.exec(v.q)?.[1])
        .filter((t): t is string => !!t)
      const rollups = targets.length
        ? await rows<{ name: string; column: string }>(
            db,
            `SELECT table AS name, name AS column FROM system.columns
             WHERE database = 'tellen' AND table IN {targets:Array(String)} AND name IN ('events', 'pageviews', 'count') ORDER BY table`,
            { targets },
          )
        : []
      const rollupSums: Record<string, number> = {}
      for (const r of rollups) {
        const [s] = await rows<{ n: number }>(db, `SELECT toUInt64(sum(${r.column})) AS n FROM tellen.${r.name}`)
        rollupSums[`${r.name}.${r.column}`] = Number(s!.n)
      }
      return { perRequest: new Map(perRequest.map((r) => [r.id, r])), rollupSums }
    })

    let acked = 0
    let landedUnknown = 0
    let unknown = 0
    for (const [id, s] of sent) {
      const got = stored.perRequest.get(id)
      if (s.outcome === 'acked') {
        acked += s.events
        expect(got?.n, `acknowledged request ${id}`).toBe(s.events)
      } else if (s.outcome === 'unknown') {
        unknown++
        // In flight when the process died: stored whole or not at all, never twice.
        expect([0, s.events]).toContain(got?.n ?? 0)
        landedUnknown += got?.n ?? 0
      } else {
        expect(got?.n ?? 0).toBe(0)
      }
      if (got) expect(got.distinct_paths).toBe(got.n)
    }
    for (const id of stored.perRequest.keys()) expect(sent.has(id), `stored request ${id} was sent`).toBe(true)
    const total = [...stored.perRequest.values()].reduce((n, r) => n + r.n, 0)
    console.log(`crash test: ${sent.size} requests, ${acked} events acknowledged, ${unknown} requests cut by a kill (${landedUnknown} of their events were already durable), ${total} stored; ${replays} restarts replayed spooled batches`)
    expect(acked).toBeGreaterThan(200)
    expect(total).toBe(acked + landedUnknown)
    for (const [name, sum] of Object.entries(stored.rollupSums)) expect(sum, name).toBe(total)
  }, 600_000)
})

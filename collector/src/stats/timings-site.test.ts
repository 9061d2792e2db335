import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '../db/client.ts'
import { migrate, SQL_DIR } from '../db/migrate.ts'

let dir: string
let db: Db

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-timings-site-'))
  db = openDb({ dataDir: path.join(dir, 'data') })
})
afterAll(async () => {
  await db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** Inserts timing events of the last hours: `n` per metric and page, values spread over each metric's range. */
async function insertTimings(n: number, offset: number) {
  await db.command({
    query: `INSERT INTO tellen.events_in (site, type, ts, visitor, path, name, value)
            SELECT 'example.com', 'timing', now64(3) - toIntervalMinute(number % 180), number,
                   ['/', '/pricing', '/docs'][1 + number % 3], ['lcp', 'inp', 'cls', 'ttfb'][1 + intDiv(number, 3) % 4],
                   [4500, 600, 0.3, 2000][1 + intDiv(number, 3) % 4] * ((number * 7919 + {offset:UInt64}) % 1000) / 1000
            FROM numbers({n:UInt64})`,
    query_params: { n: n * 12, offset },
  })
}

const perMetric = async (table: string) =>
  (await (await db.query({
    query: `SELECT metric, sum(samples) AS n, sum(good) AS g, sum(needs_improvement) AS ni, sum(poor) AS p,
                   arrayMap(x -> round(x, 3), quantilesTDigestMerge(0.5, 0.75, 0.95)(quantiles)) AS q
            FROM ${table} GROUP BY metric ORDER BY metric`,
    format: 'JSONEachRow',
  })).json<Record<string, unknown>>())

describe('site-wide timings rollup', () => {
  it('is filled from the per-page rollup when it is created, then fed like it', async () => {
    const before = path.join(dir, 'sql-before')
    fs.mkdirSync(before)
    for (const f of fs.readdirSync(SQL_DIR).filter((f) => f < '030')) fs.copyFileSync(path.join(SQL_DIR, f), path.join(before, f))
    await migrate(db, before)
    await insertTimings(100, 1)
    expect(await migrate(db)).toContain('030_rollup_timings_site')

    const pages = await perMetric('tellen.rollup_timings')
    expect(pages.map((r) => Number(r.n))).toEqual([300, 300, 300, 300])
    const site = await perMetric('tellen.rollup_timings_site')
    expect(site.map(({ q, ...r }) => r)).toEqual(pages.map(({ q, ...r }) => r))

    await insertTimings(50, 2)
    const pagesAfter = await perMetric('tellen.rollup_timings')
    expect(pagesAfter.map((r) => Number(r.n))).toEqual([450, 450, 450, 450])
    const siteAfter = await perMetric('tellen.rollup_timings_site')
    expect(siteAfter.map(({ q, ...r }) => r)).toEqual(pagesAfter.map(({ q, ...r }) => r))
    // Quantile digests merged in another order agree closely, not to the last digit.
    for (const [i, r] of siteAfter.entries()) {
      const want = pagesAfter[i]!.q as number[]
      ;(r.q as number[]).forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThanOrEqual(Math.abs(want[k]!) * 0.05 + 0.01))
    }
  })
})

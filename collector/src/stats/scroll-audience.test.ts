import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDb, type Db } from '../db/client.ts'
import { migrate, SQL_DIR } from '../db/migrate.ts'
import { interactions } from './queries/interactions.ts'

const SITE = 'example.com'
const COUNTRIES = ['NL', 'US', 'DE'] as const
const DEVICES = ['desktop', 'mobile'] as const
const PATHS = ['/', '/pricing'] as const

interface Leave { site: string; type: 'leave'; ts: string; visitor: number; path: string; country: string; device: string; scroll: number; grid: number[] }

/** `n` leave events of the last hours, spread over countries, devices, pages, depths and grids; some without a grid. */
function leaves(n: number, seed: number): Leave[] {
  return Array.from({ length: n }, (_, i) => {
    const k = i * 7919 + seed
    return {
      site: SITE, type: 'leave', ts: new Date(Date.now() - (k % 180) * 60_000).toISOString().replace('T', ' ').slice(0, 23),
      visitor: k, path: PATHS[k % 2]!, country: COUNTRIES[k % 3]!, device: DEVICES[(k >> 1) % 2]!, scroll: k % 101,
      grid: k % 5 === 0 ? [] : Array.from({ length: 100 }, (_, c) => (k + c) % 4),
    }
  })
}

/** Scroll depth buckets and summed grid of the leave events a filter keeps, computed here. */
function expected(rows: readonly Leave[], keep: (r: Leave) => boolean) {
  const depths = new Map<number, number>()
  const moves = new Array<number>(100).fill(0)
  for (const r of rows.filter(keep)) {
    const depth = Math.floor(r.scroll / 10) * 10
    depths.set(depth, (depths.get(depth) ?? 0) + 1)
    r.grid.forEach((v, c) => (moves[c]! += v))
  }
  return {
    scroll: [...depths.entries()].sort((a, b) => a[0] - b[0]).map(([depth, views]) => ({ depth, views })),
    moves: Array.from({ length: 10 }, (_, y) => moves.slice(y * 10, y * 10 + 10)),
  }
}

let dir: string
let db: Db
const sent: Leave[] = []
const day = new Date().toISOString().slice(0, 10)
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10)
const query = (filters: Record<string, string>) => ({ site: SITE, tz: 'UTC', from: yesterday, to: day, filters })

async function send(rows: Leave[]) {
  await db.insert({ table: 'tellen.events_in', values: rows, format: 'JSONEachRow' })
  sent.push(...rows)
}

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tellen-scroll-audience-'))
  db = openDb({ dataDir: path.join(dir, 'data') })
})
afterAll(async () => {
  await db.close()
  fs.rmSync(dir, { recursive: true, force: true })
})

describe('scroll audience rollup', () => {
  it('is filled from the kept leave events when it is created, then fed by its view', async () => {
    const before = path.join(dir, 'sql-before')
    fs.mkdirSync(before)
    for (const f of fs.readdirSync(SQL_DIR).filter((f) => f < '050')) fs.copyFileSync(path.join(SQL_DIR, f), path.join(before, f))
    await migrate(db, before)
    await send(leaves(300, 1))
    expect(await migrate(db)).toContain('050_rollup_scroll_audience')
    await send(leaves(120, 2))

    const rs = await db.query({
      query: `SELECT country, device, sumForEachMerge(depths) AS depths, arraySum(sumForEachMerge(moves)) AS moved
              FROM tellen.rollup_scroll_audience GROUP BY country, device ORDER BY country, device`,
      format: 'JSONEachRow',
    })
    const got = await rs.json<{ country: string; device: string; depths: number[]; moved: number }>()
    const want = COUNTRIES.flatMap((country) => DEVICES.map((device) => {
      const rows = sent.filter((r) => r.country === country && r.device === device)
      const depths = new Array<number>(11).fill(0)
      for (const r of rows) depths[Math.floor(r.scroll / 10)]!++
      return { country, device, depths, moved: rows.reduce((s, r) => s + r.grid.reduce((a, b) => a + b, 0), 0) }
    })).sort((a, b) => (a.country + a.device < b.country + b.device ? -1 : 1))
    expect(got.map((r) => ({ ...r, depths: r.depths.map(Number), moved: Number(r.moved) }))).toEqual(want)
  })

  it('answers interactions filtered by country, device and page with the same scroll and moves as the events', async () => {
    for (const [filters, keep] of [
      [{ country: 'NL' }, (r: Leave) => r.country === 'NL'],
      [{ country: 'US', device: 'mobile' }, (r: Leave) => r.country === 'US' && r.device === 'mobile'],
      [{ page: '/pricing', device: 'desktop' }, (r: Leave) => r.path === '/pricing' && r.device === 'desktop'],
    ] as const) {
      const r = await interactions(db, query(filters))
      expect({ scroll: r.scroll, moves: r.moves }).toEqual(expected(sent, keep))
    }
  })

  it('still answers scroll and moves once the leave events are gone: they come from the rollup', async () => {
    const filters = { country: 'DE', device: 'desktop' }
    const want = expected(sent, (r) => r.country === 'DE' && r.device === 'desktop')
    await db.command({ query: `ALTER TABLE tellen.events DELETE WHERE type = 'leave' SETTINGS mutations_sync = 2` })
    const r = await interactions(db, query(filters))
    expect({ scroll: r.scroll, moves: r.moves }).toEqual(want)
    expect(want.scroll.length).toBeGreaterThan(0)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDataDir } from '../../../test/helpers/collector.ts'
import { openDb, type Db } from '../db/client.ts'
import { migrate } from '../db/migrate.ts'
import { addGoal, GoalError, likePattern, listGoals, matchesPage, MAX_GOALS_PER_SITE, pageMatch, parseGoal, removeGoal } from './goals.ts'

let db: Db
beforeAll(async () => {
  db = openDb({ dataDir: tempDataDir('tellen-goals-') })
  await migrate(db)
})
afterAll(() => db?.close())

describe('goals', () => {
  it('match paths in the engine exactly as matchesPage says, whatever characters the pattern holds', async () => {
    const patterns = ['/signup/*', '/pricing', '/*', '/a_b', '/100%', '/x\\y*', '/docs/*/install', '/*.pdf']
    const paths = ['/signup/', '/signup/pro', '/signup', '/pricing', '/pricingx', '/a_b', '/axb', '/100%', '/1000', '/x\\yz', '/docs/v1/install', '/docs/install', '/files/a.pdf', '/']
    const rs = await db.query({
      query: `SELECT pattern, groupArray(path) AS matched
              FROM (SELECT arrayJoin(arrayZip({patterns:Array(String)}, {likes:Array(String)})) AS p, p.1 AS pattern, arrayJoin({paths:Array(String)}) AS path WHERE path LIKE p.2)
              GROUP BY pattern`,
      query_params: { patterns, likes: patterns.map(likePattern), paths },
      format: 'JSONEachRow',
    })
    const engine = new Map((await rs.json<{ pattern: string; matched: string[] }>()).map((r) => [r.pattern, [...r.matched].sort()]))
    for (const pattern of patterns) expect(engine.get(pattern) ?? [], pattern).toEqual(paths.filter((p) => matchesPage(pattern, p)).sort())
    expect(matchesPage('/signup/*', '/signup/pro')).toBe(true)
    expect(matchesPage('/signup/*', '/signup')).toBe(false)
    // The same paths as an equality or prefix test where the pattern allows one, as LIKE otherwise.
    for (const pattern of patterns) {
      const m = pageMatch('path', 'p', pattern)
      const rs2 = await db.query({
        query: `SELECT groupArray(path) AS matched FROM (SELECT arrayJoin({paths:Array(String)}) AS path) WHERE ${m.sql}`,
        query_params: { paths, p: m.value },
        format: 'JSONEachRow',
      })
      expect([...(await rs2.json<{ matched: string[] }>())[0]!.matched].sort(), pattern).toEqual(engine.get(pattern) ?? [])
    }
    expect(pageMatch('path', 'p', '/docs/*').sql).toBe('startsWith(path, {p:String})')
  })

  it('are stored per site, listed oldest first and removed by id', async () => {
    const a = await addGoal(db, parseGoal({ site: 'a.test', name: 'signed up', page: '/signup/*' }))
    const b = await addGoal(db, parseGoal({ site: 'a.test', name: 'pro', event: 'signup', property: { key: 'plan', value: 'pro' } }))
    await addGoal(db, parseGoal({ site: 'b.test', name: 'other', event: 'x' }))
    expect(await listGoals(db, 'a.test')).toEqual([a, b])
    expect(await removeGoal(db, a.id)).toBe(true)
    expect(await removeGoal(db, a.id)).toBe(false)
    expect(await listGoals(db, 'a.test')).toEqual([b])
  })

  it(`refuses a site's goal beyond ${MAX_GOALS_PER_SITE}`, async () => {
    const goals = Array.from({ length: MAX_GOALS_PER_SITE }, (_, i) => ({ id: `g${i}`, site: 'many.test', name: `g${i}`, page: `/p${i}`, created: new Date().toISOString() }))
    await db.insert({ table: 'tellen.goals', values: goals, format: 'JSONEachRow' })
    expect(await listGoals(db, 'many.test')).toHaveLength(MAX_GOALS_PER_SITE)
    await expect(addGoal(db, parseGoal({ site: 'many.test', name: 'one more', page: '/' }))).rejects.toThrow(GoalError)
  })

  it('name what is wrong with a definition', () => {
    expect(() => parseGoal({ site: 'a.test', name: 'x', page: 'signup' })).toThrow('page pattern "signup" must start with "/"')
    expect(() => parseGoal({ site: 'a.test', name: '', event: 'x' })).toThrow('name must not be empty')
    expect(() => parseGoal({ site: 'a.test', name: 'x', event: 'x', property: { key: 'plan', value: '' } })).toThrow('property.value must not be empty')
    expect(() => parseGoal(null)).toThrow(/the body must be JSON/)
    expect(parseGoal({ site: ' A.test ', name: ' x ', event: 'signup' })).toEqual({ site: 'a.test', name: 'x', event: 'signup' })
  })
})

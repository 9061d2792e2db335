import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildFixture, fixtureQuery, openStatsDb, type StatsDb } from '../../../test/helpers/stats-fixture.ts'
import { breakdown, type Page } from './queries/breakdown.ts'
import { calls } from './queries/calls.ts'
import { errors } from './queries/errors.ts'
import { exits } from './queries/exits.ts'
import { properties } from './queries/properties.ts'

let s: StatsDb
beforeAll(async () => {
  s = await openStatsDb()
  await s.ingest(buildFixture(60, 11))
}, 60_000)
afterAll(() => s?.close())

/** Answers sorted by a sum, whose visitor states are merged only for the rows of the page asked for. */
const ANSWERS: Record<string, (p: Page) => Promise<unknown[]>> = {
  exits: async (p) => (await exits(s.db, fixtureQuery(), p)).rows,
  errors: async (p) => (await errors(s.db, fixtureQuery(), p)).rows,
  calls: async (p) => (await calls(s.db, fixtureQuery(), p)).rows,
  properties: async (p) => (await properties(s.db, fixtureQuery(), p)).rows,
  'breakdown event': async (p) => (await breakdown(s.db, fixtureQuery(), 'event', p)).rows,
}

describe('a page of rows from the rollups', () => {
  it.each(Object.keys(ANSWERS))('%s: every page at every offset is that slice of all the rows, visitors included', async (name) => {
    const ask = ANSWERS[name]!
    const all = await ask({ limit: 1000, offset: 0 })
    expect(all.length, `${name} has rows to page through`).toBeGreaterThan(1)
    for (const limit of [1, 2, 3]) {
      for (let offset = 0; offset <= all.length; offset += 1) {
        expect(await ask({ limit, offset }), `${name} limit ${limit} offset ${offset}`).toEqual(all.slice(offset, offset + limit))
      }
    }
  })
})

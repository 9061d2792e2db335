import { describe, expect, it } from 'vitest'
import { Drop, isDrop, type Stored } from '../drop.ts'
import { createRepeatFilter, type Claim } from './once.ts'

const batch = (ids: (number | undefined)[]): Stored => ({
  ok: true, site: 'example.com', rows: ids.map((_, i) => `[${i}]`), ids, errors: [], ipPrefix: '', drops: [],
})
const claimOf = async (c: Claim | Drop | Promise<Claim | Drop>): Promise<Claim> => {
  const out = await c
  if (isDrop(out)) throw new Error(`dropped: ${out.error}`)
  return out
}

describe('once: events sent again are stored once', () => {
  it('drops a batch whose events were all stored, with 202 and the count, and keeps the new events of a mixed one', async () => {
    const repeats = createRepeatFilter()
    const first = await claimOf(repeats.claim(batch([0.1, 0.2])))
    expect(first.stored.rows).toEqual(['[0]', '[1]'])
    first.done(true)
    const again = await repeats.claim(batch([0.1, 0.2]))
    expect(again).toBeInstanceOf(Drop)
    expect(again).toMatchObject({ reason: 'repeated', status: 202, events: 2, site: 'example.com' })
    // Sent again with what came after it: only the new event is stored, the rest counted as repeated.
    const mixed = await claimOf(repeats.claim(batch([0.1, 0.3, 0.2])))
    expect(mixed.stored.rows).toEqual(['[1]'])
    expect(mixed.stored.ids).toEqual([0.3])
    expect(mixed.stored.drops).toMatchObject([{ reason: 'repeated', status: 202, events: 2 }])
    mixed.done(true)
  })

  it('stores events without an id every time, and an id twice in one batch once', async () => {
    const repeats = createRepeatFilter()
    for (let i = 0; i < 2; i++) {
      const c = await claimOf(repeats.claim(batch([undefined, undefined])))
      expect(c.stored.rows).toHaveLength(2)
      c.done(true)
    }
    const twice = await claimOf(repeats.claim(batch([0.5, 0.5])))
    expect(twice.stored.rows).toEqual(['[0]'])
  })

  it('forgets events whose storing failed, so that the batch sent again is stored', async () => {
    const repeats = createRepeatFilter()
    const failed = await claimOf(repeats.claim(batch([0.7])))
    failed.done(false)
    const retried = await claimOf(repeats.claim(batch([0.7])))
    expect(retried.stored.rows).toEqual(['[0]'])
  })

  it('makes a batch sent again while the first is being stored wait for it: dropped if it was stored, kept if not', async () => {
    const repeats = createRepeatFilter()
    const first = await claimOf(repeats.claim(batch([0.11, 0.12])))
    let answered = false
    const waiting = Promise.resolve(repeats.claim(batch([0.11, 0.12]))).then((out) => {
      answered = true
      return out
    })
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(answered).toBe(false)
    first.done(true)
    expect(await waiting).toMatchObject({ reason: 'repeated', events: 2 })

    const second = await claimOf(repeats.claim(batch([0.21])))
    const behind = Promise.resolve(repeats.claim(batch([0.21])))
    second.done(false)
    const taken = await claimOf(behind)
    expect(taken.stored.rows).toEqual(['[0]'])
    taken.done(true)
    expect(await repeats.claim(batch([0.21]))).toMatchObject({ reason: 'repeated' })
  })

  it('remembers an id for one to two generations: 5 to 10 minutes, or fewer ids under heavy traffic', async () => {
    let now = 0
    const repeats = createRepeatFilter({ generationMs: 1000, perGeneration: 3, now: () => now })
    const store = async (id: number) => {
      const c = await repeats.claim(batch([id]))
      if (isDrop(c)) return false
      c.done(true)
      return true
    }
    expect(await store(0.01)).toBe(true)
    now = 1500 // a new generation: the first is still remembered
    expect(await store(0.01)).toBe(false)
    expect(await store(0.02)).toBe(true)
    now = 2600 // two generations later: forgotten
    expect(await store(0.01)).toBe(true)
    // Three ids fill a generation, which then rotates at the next claim, whatever the time.
    expect(await store(0.03)).toBe(true)
    expect(await store(0.04)).toBe(true)
    expect(await store(0.05)).toBe(true) // rotated: 0.01, 0.03 and 0.04 are the previous generation
    expect(await store(0.01)).toBe(false)
    expect(await store(0.06)).toBe(true)
    expect(await store(0.07)).toBe(true)
    expect(await store(0.08)).toBe(true) // rotated again: 0.01 is forgotten, 0.05 is not
    expect(await store(0.01)).toBe(true)
    expect(await store(0.05)).toBe(false)
  })
})

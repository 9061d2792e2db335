import { describe, expect, it } from 'vitest'
import { Drop, type Stored } from '../drop.ts'
import { settle } from './settle.ts'

const stored = (over: Partial<Stored>): Stored => ({ ok: true, site: 'example.com', rows: [], ids: [], errors: [], ipPrefix: '', drops: [], ...over })
const spam = (events: number) => new Drop('spam', 'listed', { status: 202, events, site: 'example.com' })

describe('settle', () => {
  it('passes a batch with rows on to the writer', () => {
    const s = stored({ rows: ['[]'], drops: [spam(1)] })
    expect(settle(s)).toBe(s)
  })

  it('drops a batch of spam only with a 202 that counts it', () => {
    expect(settle(stored({ drops: [spam(2)] }))).toMatchObject({ reason: 'spam', status: 202, events: 2, site: 'example.com' })
  })

  it('refuses a batch without a valid event with a 400 listing each error, counting the spam beside it', () => {
    const errors = [{ index: 1, error: 'url is not an http(s) URL' }]
    const invalid = new Drop('invalid', 'some', { status: 202, events: 1 })
    const d = settle(stored({ errors, drops: [spam(1), invalid] }))
    expect(d).toMatchObject({ reason: 'invalid', status: 400, error: 'no event in the batch is valid', events: 1, errors, besides: [{ reason: 'spam', events: 1 }] })
  })
})

import { describe, expect, it } from 'vitest'
import { answerOf, countDrop, Drop, isDrop } from './drop.ts'

function counters() {
  const metric: [string, number][] = []
  const view: [Readonly<Record<string, string>>, number][] = []
  return {
    metric, view,
    c: { rejected: { inc: (l: { reason: string }, n: number) => void metric.push([l.reason, n]) }, rejections: { add: (k: Readonly<Record<string, string>>, n = 1) => void view.push([k, n]) } },
  }
}
const NOON = Date.UTC(2026, 10, 25, 12)

describe('Drop', () => {
  it('takes the status of its reason, and only the fields it is given', () => {
    const d = new Drop('unknown_site', 'site "x" is not registered')
    expect(d).toMatchObject({ ok: false, reason: 'unknown_site', status: 403, events: 1 })
    expect(d).not.toHaveProperty('site')
    expect(isDrop(d)).toBe(true)
    expect(isDrop({ ok: false, reason: 'bot' })).toBe(false)
  })

  it('answers a refused request with its error, a retry time when it has one, and a dropped batch with its count', () => {
    expect(answerOf(new Drop('rate_limited', 'too many', { retryAfterSeconds: 7 }))).toEqual({ status: 429, body: { error: 'too many' }, headers: { 'retry-after': '7' } })
    expect(answerOf(new Drop('bot', 'crawler', { events: 3 }))).toEqual({ status: 202, body: { accepted: 0, dropped: 3, reason: 'bot' } })
    expect(answerOf(new Drop('opted_out', 'asked', { signal: 'gpc', events: 0 }))).toEqual({ status: 202, body: { accepted: 0, honoured: 'gpc' } })
    const errors = [{ index: 0, error: 'url is not an http(s) URL' }]
    expect(answerOf(new Drop('invalid', 'no event in the batch is valid', { errors }))).toEqual({ status: 400, body: { error: 'no event in the batch is valid', accepted: 0, errors } })
  })

  it('counts a drop in the metric and the security view as its reason says, with the drops beside it', () => {
    const { metric, view, c } = counters()
    const spam = new Drop('spam', 'listed', { status: 202, events: 2, site: 'example.com' })
    countDrop(new Drop('invalid', 'none valid', { events: 3, site: 'example.com', besides: [spam] }), '203.0.113.0/24', NOON, c)
    expect(metric).toEqual([['invalid', 3], ['spam', 2]])
    expect(view).toEqual([
      [{ site: 'example.com', day: '2026-11-25', reason: 'invalid', ip_prefix: '203.0.113.0/24' }, 3],
      [{ site: 'example.com', day: '2026-11-25', reason: 'spam', ip_prefix: '203.0.113.0/24' }, 2],
    ])
  })

  it('counts a request the collector could not take as unavailable only, and an opt-out or a bad content type nowhere', () => {
    const { metric, view, c } = counters()
    countDrop(new Drop('no_salt', 'no salt', { events: 4 }), 'p', NOON, c)
    countDrop(new Drop('spool_full', 'full', { events: 2 }), 'p', NOON, c)
    countDrop(new Drop('opted_out', 'asked', { events: 0 }), 'p', NOON, c)
    countDrop(new Drop('content_type', 'xml'), 'p', NOON, c)
    expect(metric).toEqual([['unavailable', 4], ['unavailable', 2]])
    expect(view).toEqual([])
  })
})

import { describe, expect, it } from 'vitest'
import { createLogger } from '../log.ts'
import { createRefusalLog } from './refusal-log.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const capture = () => {
  const lines: Record<string, any>[] = []
  return { lines, log: createLogger('info', { write: (s: string) => void lines.push(JSON.parse(s)) }) }
}

describe('createRefusalLog', () => {
  it('writes one line at the first refusal and then one line of counts per interval, however many requests are refused', async () => {
    const { lines, log } = capture()
    const refusals = createRefusalLog(log, 100)
    for (let i = 0; i < 1000; i++) refusals.refused(429, 'rate_limited')
    for (let i = 0; i < 10; i++) refusals.refused(415, 'content_type')
    expect(lines).toEqual([expect.objectContaining({ level: 30, status: 429, reason: 'rate_limited' })])
    await sleep(150)
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatchObject({ level: 30, refused: 1010, counts: { '429 rate_limited': 1000, '415 content_type': 10 } })
  })

  it('falls quiet after an interval without refusals and says so at once when they start again', async () => {
    const { lines, log } = capture()
    const refusals = createRefusalLog(log, 50)
    refusals.refused(400, 'invalid')
    await sleep(240)
    // The first line, the count of its interval, and nothing for the quiet intervals after it.
    expect(lines.map((l) => l.refused ?? l.status)).toEqual([400, 1])
    refusals.refused(413, 'too_large')
    expect(lines).toHaveLength(3)
    expect(lines[2]).toMatchObject({ status: 413, reason: 'too_large' })
    refusals.flush()
    expect(lines[3]).toMatchObject({ refused: 1, counts: { '413 too_large': 1 } })
    refusals.flush()
    expect(lines).toHaveLength(4)
  })
})

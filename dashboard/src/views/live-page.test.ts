import { describe, expect, it } from 'vitest'
import { PAGE_SIZE_ANSWER } from '../../../collector/src/protocol.ts'
import { answeredHeight, MAX_PAGE_HEIGHT, sandboxFor } from './live-page.ts'

describe('the live page under the heatmaps', () => {
  it("lets a page of another origin keep its origin, and runs one of the dashboard's own origin in an opaque one", () => {
    expect(sandboxFor('https://example.com/pricing', 'https://stats.example.com')).toBe('allow-scripts allow-same-origin')
    expect(sandboxFor('https://example.com/pricing', 'https://example.com')).toBe('allow-scripts')
  })

  it('takes a height only from an answer of the right shape, within bounds', () => {
    expect(answeredHeight({ type: PAGE_SIZE_ANSWER, height: 3021.4 })).toBe(3021)
    expect(answeredHeight({ type: PAGE_SIZE_ANSWER, height: 1e9 })).toBe(MAX_PAGE_HEIGHT)
    for (const data of [null, 'tellen:page-size', { type: 'other', height: 3000 }, { type: PAGE_SIZE_ANSWER, height: '3000' }, { type: PAGE_SIZE_ANSWER, height: Number.NaN }, { type: PAGE_SIZE_ANSWER, height: 10 }]) {
      expect(answeredHeight(data), JSON.stringify(data)).toBeUndefined()
    }
  })
})

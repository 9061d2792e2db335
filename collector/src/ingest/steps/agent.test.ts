import { describe, expect, it } from 'vitest'
import { UA } from '../../../../test/helpers/collector.ts'
import { readAgent } from './agent.ts'

const batch = { v: 1 as const, site: 'example.com', events: [{}, {}, {}] }

describe('readAgent', () => {
  it('reads the browser and system of a browser', () => {
    expect(readAgent(UA.firefoxWindows, batch, 'example.com')).toMatchObject({ bot: false, browser: 'Firefox', os: 'Windows' })
  })

  it('drops the batch of a crawler with a 202 that counts its events', () => {
    expect(readAgent(UA.googlebot, batch, 'example.com')).toMatchObject({ reason: 'bot', status: 202, events: 3, site: 'example.com' })
  })
})

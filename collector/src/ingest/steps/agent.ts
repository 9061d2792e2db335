import { Drop } from '../drop.ts'
import type { WireBatch } from '../schema.ts'
import { parseUserAgent, type Agent } from '../user-agent.ts'

/**
 * Reads the browser, its version, the system and the device from the user agent; drops the whole
 * batch of a crawler, counting its events.
 * @example
 * readAgent(UA.googlebot, batch, 'example.com') // Drop bot, 202, events: batch.events.length
 */
export function readAgent(userAgent: string, batch: WireBatch, site: string): Agent | Drop {
  const agent = parseUserAgent(userAgent)
  if (!agent.bot) return agent
  return new Drop('bot', 'the user agent is a crawler', { events: batch.events.length, site })
}

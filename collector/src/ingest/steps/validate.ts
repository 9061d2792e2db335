import { Drop } from '../drop.ts'
import { describeIssues, parseBatch, type WireBatch } from '../schema.ts'
import { namedSite, type SiteLookup } from './admit.ts'

/**
 * Checks the batch's envelope (version, site, page context, number of events); its events are
 * checked one by one later. A refused batch is counted for the site it names, when that is
 * registered, so that the site's security view shows it.
 * @example
 * validate({ v: 1, site: 'example.com', events: [] }, lookup) // Drop invalid, 400: "events: events is empty"
 */
export function validate(body: unknown, site: SiteLookup): WireBatch | Drop {
  const parsed = parseBatch(body)
  if (parsed.success) return parsed.data
  return new Drop('invalid', describeIssues(parsed.error), { site: namedSite(body, site)?.domain })
}

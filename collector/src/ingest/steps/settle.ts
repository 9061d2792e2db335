import { Drop, type Stored } from '../drop.ts'

/**
 * Decides what becomes of a batch once its events were turned into rows: with at least one row it
 * goes on to the writer; with none, the request is dropped as spam (202) when every event was spam,
 * and else refused as invalid (400) with the error of each event.
 * @example
 * settle({ ok: true, site, rows: [], errors: [{ index: 0, error: 'url is not an http(s) URL' }], drops }) // Drop invalid, 400
 */
export function settle(stored: Stored): Stored | Drop {
  if (stored.rows.length) return stored
  if (!stored.errors.length) {
    const spam = stored.drops.find((d) => d.reason === 'spam')
    if (spam) return new Drop('spam', spam.error, { status: 202, events: spam.events, site: stored.site })
  }
  return new Drop('invalid', 'no event in the batch is valid', {
    events: stored.errors.length,
    errors: stored.errors,
    site: stored.site,
    besides: stored.drops.filter((d) => d.reason !== 'invalid'),
  })
}

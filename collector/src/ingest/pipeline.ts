import { Drop, isDrop, type EventError, type Outcome, type Stored } from './drop.ts'
import { truncateIp, type ClientIp } from './ip.ts'
import type { RateLimits } from './rate-limit.ts'
import { admit, type SiteLookup } from './steps/admit.ts'
import { readAgent } from './steps/agent.ts'
import { anonymise } from './steps/anonymise.ts'
import { consent } from './steps/consent.ts'
import { rowEncoder } from './steps/encode.ts'
import { eventEnricher } from './steps/enrich.ts'
import { guard } from './steps/guard.ts'
import { limit } from './steps/limit.ts'
import type { RepeatFilter } from './steps/once.ts'
import { parse } from './steps/parse.ts'
import { requireSalt } from './steps/salt.ts'
import { settle } from './steps/settle.ts'
import { store } from './steps/store.ts'
import { validate } from './steps/validate.ts'
import type { OptOutSignal } from '../privacy/opt-out.ts'

/** What the pipeline knows of the request beside its body. The address never leaves this object. */
export interface RequestContext {
  ip: ClientIp | undefined
  /** The address's truncated prefix when the caller has it already (`clientNetwork`); else it is derived here. */
  ipPrefix?: string
  userAgent: string
  /** Origin, or else Referer, of the request, when the browser sent one. */
  origin: string | undefined
  /** The time of receipt; events may carry their own time within `MAX_EVENT_AGE_MS` before it. */
  now: number
}

/** What turning a batch into rows needs. */
export interface PipelineDeps {
  site: SiteLookup
  saltFor(now: number): Buffer
  ipv4Prefix: number
  ipv6Prefix: number
  /** True for a referrer host on the referrer spam list; such page views are dropped and counted. */
  isSpamReferrer?(host: string): boolean
}

/** A request to `POST /api/event` as the route read it. */
export interface IngestRequest extends RequestContext {
  ipPrefix: string
  contentType: string | undefined
  contentEncoding: string | undefined
  /** Reads the body; called once, after the guard. */
  text(): Promise<string>
  signal: OptOutSignal | undefined
}

/** What taking a request needs beside turning its batch into rows. */
export interface IngestDeps extends PipelineDeps {
  saltReady(now: number): boolean
  rateLimits: RateLimits
  countOptOut(site: string, now: number): void
  /** The events stored in the last minutes, by their ids (steps/once.ts). */
  repeats: RepeatFilter
  write(rows: string[]): Promise<void>
}

/**
 * The steps a request to `POST /api/event` goes through, in order (docs/design.md, "Ingest
 * steps"). Each returns what the next one takes, or a `Drop` that ends the request with its reason.
 * @example
 * const outcome = await ingest(request, deps) // Stored (its rows are in the spool) or Drop
 */
export async function ingest(req: IngestRequest, deps: IngestDeps): Promise<Outcome> {
  const refused = guard(req.contentType, req.contentEncoding)
  if (refused) return refused
  const text = await req.text()
  // Without a signal the request goes on in the same turn: consent has nothing to check.
  const optedOut = req.signal ? await consent(req.signal, text, req.origin, req.ipPrefix, req.now, deps) : undefined
  if (optedOut) return optedOut
  const parsed = parse(text)
  if (isDrop(parsed)) return parsed
  const unsalted = requireSalt(parsed.body, req.now, deps.saltReady)
  if (unsalted) return unsalted
  const limited = await limit(parsed.body, req.ipPrefix, deps)
  if (limited) return limited
  const batch = processBatch(parsed.body, req, deps)
  if (isDrop(batch)) return batch
  const settled = settle(batch)
  if (isDrop(settled)) return settled
  const claim = await deps.repeats.claim(settled)
  if (isDrop(claim)) return claim
  let stored = false
  try {
    const outcome = await store(claim.stored, deps.write)
    stored = !isDrop(outcome)
    return outcome
  } finally {
    claim.done(stored)
  }
}

/**
 * The steps that turn a batch from the wire into anonymised rows, without I/O: validate, admit,
 * read the user agent (a crawler's batch is dropped), anonymise the address, then enrich and
 * encode each event. Bad events are reported by index; the good ones of the same batch are kept.
 * @example
 * processBatch(body, { ip, userAgent, origin, now }, deps) // { ok: true, site, rows, errors, ipPrefix, drops } or Drop
 */
export function processBatch(body: unknown, req: RequestContext, deps: PipelineDeps): Stored | Drop {
  const ipPrefix = req.ipPrefix ?? (req.ip ? truncateIp(req.ip, deps.ipv4Prefix, deps.ipv6Prefix) : '')
  const batch = validate(body, deps.site)
  if (isDrop(batch)) return batch
  const site = admit(batch, req.origin, deps.site)
  if (isDrop(site)) return site
  const agent = readAgent(req.userAgent, batch, site.domain)
  if (isDrop(agent)) return agent
  const anonymised = anonymise(req, ipPrefix, site.domain, deps)
  const enrich = eventEnricher(batch, site, req.now, deps)
  const encode = rowEncoder(batch, site.domain, agent, anonymised, req.now)

  const rows: string[] = []
  const ids: (number | undefined)[] = []
  const errors: EventError[] = []
  let spam: Drop | undefined
  for (let index = 0; index < batch.events.length; index++) {
    // One event that cannot be turned into a row (a case no rule foresaw) is reported by index; the
    // others of the batch are still kept, as for any invalid event.
    try {
      const event = enrich(batch.events[index])
      if (!isDrop(event)) {
        rows.push(encode(event))
        ids.push(event.id)
        for (const error of event.leftOut ?? []) errors.push({ index, error, stored: true })
      } else if (event.reason !== 'spam') errors.push({ index, error: event.error })
      else if (spam) spam.events++
      else spam = event
    } catch {
      errors.push({ index, error: 'the event could not be processed' })
    }
  }
  const drops: Drop[] = []
  if (spam) drops.push(spam)
  const refused = errors.filter((e) => !e.stored).length
  if (refused) drops.push(new Drop('invalid', 'some events of the batch are not valid', { status: 202, events: refused, site: site.domain }))
  return { ok: true, site: site.domain, rows, ids, errors, ipPrefix, drops }
}

import { Drop, type Stored } from '../drop.ts'

/** What `claim` gives a batch: which of its rows are new, and the call that says whether they were stored. */
export interface Claim {
  /** The batch with only the rows whose events were not stored before (those without an id are always new). */
  stored: Stored
  /** Says whether the rows were stored; must be called once, whatever happened. */
  done(stored: boolean): void
}

export interface RepeatFilter {
  /**
   * Leaves out of a batch the events that were stored already, by their `id` (`stored.ids`). An event that another
   * request is storing right now waits for it: left out when that request stored it, kept when it
   * failed. A batch with nothing new is dropped as `repeated` (202).
   */
  claim(stored: Stored): Claim | Drop | Promise<Claim | Drop>
}

/** How long an id is remembered, at least while fewer than `perGeneration` events came in meanwhile. */
const GENERATION_MS = 5 * 60_000
/** Ids remembered per generation, in a table of twice as many slots: two generations take 8 MB. */
const PER_GENERATION = 250_000

/**
 * Remembers, in memory only, the `id` of each event stored in the last 5 to 10 minutes (fewer
 * under heavy traffic: at most 500,000 ids), so that an event sent again is stored once. The
 * script gives every event a random number as its `id` and sends a batch again when its answer
 * does not come (a connection that dropped after the collector stored it, a page frozen into the
 * back/forward cache): without this, such events were counted twice. An id is a random number
 * that names one event, not a visitor or a page; it is never written anywhere.
 * @example
 * const repeats = createRepeatFilter()
 * const claim = await repeats.claim(stored) // Claim, or Drop repeated
 */
export function createRepeatFilter(options: { perGeneration?: number; generationMs?: number; now?: () => number } = {}): RepeatFilter {
  const perGeneration = options.perGeneration ?? PER_GENERATION
  const generationMs = options.generationMs ?? GENERATION_MS
  const clock = options.now ?? Date.now
  const slots = 2 ** Math.ceil(Math.log2(2 * perGeneration))
  let current = new IdTable(slots)
  let previous = new IdTable(slots)
  let since = clock()
  /** Ids of events that a request is storing now, with that request's claim. */
  const pending = new Map<number, Pending>()

  const rotate = () => {
    const now = clock()
    if (now - since < generationMs && current.size < perGeneration) return
    ;[previous, current] = [current, previous]
    current.clear()
    since = now
  }

  function take(stored: Stored): Claim | Drop {
    rotate()
    const { ids } = stored
    const mine: Pending = { ids: [], waiters: undefined }
    // Rows are copied only once an event turns out to be a repeat (rare): until then `kept` is their count.
    let rows: string[] | undefined
    let keptIds: (number | undefined)[] | undefined
    let kept = 0
    for (let i = 0; i < stored.rows.length; i++) {
      const id = ids[i]
      // An id seen earlier in this batch is pending already, with this claim.
      if (id && (current.has(id) || previous.has(id) || pending.has(id))) {
        rows ??= stored.rows.slice(0, i)
        keptIds ??= ids.slice(0, i)
        continue
      }
      if (id) {
        pending.set(id, mine)
        mine.ids.push(id)
      }
      if (rows) {
        rows.push(stored.rows[i]!)
        keptIds!.push(id)
      }
      kept++
    }
    const repeated = stored.rows.length - kept
    if (!kept) return new Drop('repeated', 'every event of the batch was stored before', { status: 202, events: repeated, site: stored.site })
    let settled = false
    return {
      stored: rows ? { ...stored, rows, ids: keptIds!, drops: [...stored.drops, new Drop('repeated', 'some events of the batch were stored before', { status: 202, events: repeated, site: stored.site })] } : stored,
      done(ok) {
        if (settled) return
        settled = true
        for (const id of mine.ids) {
          pending.delete(id)
          if (ok) current.add(id)
        }
        for (const wake of mine.waiters ?? []) wake()
      },
    }
  }

  const claim = (stored: Stored): Claim | Drop | Promise<Claim | Drop> => {
    let busy: Pending | undefined
    let any = false
    for (const id of stored.ids) {
      // 0 is no id: the tables mark free slots with it (Math.random() gives it once in 2^53).
      if (!id) continue
      any = true
      busy = pending.get(id)
      if (busy) break
    }
    // Events without ids (another client than the script) are stored as they come.
    if (!any) return { stored, done: nothing }
    if (!busy) return take(stored)
    // Another request has some of these events under way: once it is done, this batch is looked at again.
    const other = busy
    return new Promise<void>((resolve) => (other.waiters ??= []).push(resolve)).then(() => claim(stored))
  }
  return { claim }
}

/** A claim under way: its ids, and the claims waiting for it. */
interface Pending {
  ids: number[]
  waiters: (() => void)[] | undefined
}

const nothing = () => {}

/**
 * A set of ids in one fixed table (open addressing, linear probing, 0 for a free slot), kept at
 * most half full: no allocation per id and a few array reads per lookup. Two Sets of up to 250,000
 * doubles took 1.4 µs per event to look up and insert an id, these tables 0.2 µs (2-core machine,
 * load average 1; a one-event request costs the collector 260 to 290 µs, BENCHMARKS.md "Events sent
 * again stored once"). Slots are chosen from the id's bits mixed with a random key of the process,
 * so that no client can pick ids that all land on one run of slots and make every lookup walk it.
 */
class IdTable {
  private readonly slots: Float64Array
  private readonly mask: number
  private readonly shift: number
  private readonly key = (Math.random() * 2 ** 32) | 0
  size = 0

  constructor(capacity: number) {
    this.slots = new Float64Array(capacity)
    this.mask = capacity - 1
    this.shift = 32 - Math.log2(capacity)
  }

  private first(id: number): number {
    BITS[0] = id
    return Math.imul(WORDS[0]! ^ Math.imul(WORDS[1]! ^ this.key, 0x85ebca6b), 0x9e3779b1) >>> this.shift
  }

  has(id: number): boolean {
    for (let i = this.first(id); ; i = (i + 1) & this.mask) {
      const v = this.slots[i]!
      if (v === id) return true
      if (v === 0) return false
    }
  }

  add(id: number): void {
    for (let i = this.first(id); ; i = (i + 1) & this.mask) {
      const v = this.slots[i]!
      if (v === id) return
      if (v === 0) {
        this.slots[i] = id
        this.size++
        return
      }
    }
  }

  clear(): void {
    this.slots.fill(0)
    this.size = 0
  }
}
const BITS = new Float64Array(1)
const WORDS = new Uint32Array(BITS.buffer)

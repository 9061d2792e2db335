import type { EXIT_KINDS } from '../../collector/src/protocol.ts'
import { depth, grid, measureScroll, resetInteractions } from './interactions.ts'
import { flush, send } from './transport.ts'

export type Exit = (typeof EXIT_KINDS)[number]

/** Time between two signs of activity that still counts as engaged, at most. */
const IDLE_MS = 15_000
/** A link click or form submit explains a leave that follows within this time. */
const INTENT_MS = 5000

let engaged = 0
let last = Date.now()
/** False from the moment the page is hidden or left (and its leave sent) until it is shown again. */
let visible = !document.hidden
let intent: [Exit, string | undefined, number] | undefined

/** Counts the time since the last sign of activity as engaged, if the page was visible. */
export function active(): void {
  const now = Date.now()
  if (visible) engaged += Math.min(now - last, IDLE_MS)
  last = now
}

/** Remembers how the visitor is about to leave: a link followed, a form sent, a reload. */
export function expectExit(exit: Exit, target?: string): void {
  intent = [exit, target, Date.now()]
}

/**
 * Sends the `leave` event of the view in progress, with engaged time, scroll depth and the mouse
 * grid since the previous leave; `fallback` says how the page was left when nothing explains it.
 */
export function leave(fallback: Exit): void {
  active()
  measureScroll()
  const why = intent && Date.now() - intent[2] < INTENT_MS ? intent : [fallback]
  send('leave', { exit: why[0], target: why[1], engaged, scroll: depth, grid })
  engaged = 0
  intent = undefined
  resetInteractions()
}

/**
 * Counts engaged time (scroll and mouse movement call `active` too) and sends the leave with
 * sendBeacon when the page is hidden or left (pagehide, visibilitychange). There is no `unload`
 * listener, so the page stays eligible for the back/forward cache. `restored` runs when the page
 * comes back from that cache.
 */
export function watchLeaving(restored: () => void): void {
  addEventListener('keydown', active, true)
  addEventListener('pointerdown', active, true)
  const hide = () => {
    if (visible) leave('hidden')
    visible = false
    flush(true)
  }
  addEventListener('pagehide', hide)
  const shown = () => {
    visible = true
    last = Date.now()
  }
  addEventListener('pageshow', (e) => {
    if (e.persisted) {
      shown()
      restored()
    }
  })
  document.addEventListener('visibilitychange', () => (document.hidden ? hide() : shown()))
  addEventListener('submit', () => expectExit('form'), true)
}

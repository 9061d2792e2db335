import { HEATMAP_FRAME_NAME, PAGE_SIZE_ANSWER, PAGE_SIZE_REQUEST, type PageSizeAnswer } from '../../../collector/src/protocol.ts'
import { h } from '../dom.ts'

/** The width at which the live page is laid out under the grids (a common desktop width), then scaled to fit. */
export const FRAME_WIDTH = 1280
/** The height of a page that does not say how tall it is: the grids' own 3:4 shape. */
export const DEFAULT_PAGE_HEIGHT = Math.round((FRAME_WIDTH * 4) / 3)
/** A taller answer is cut to this: the frame is laid out whole, so its height costs memory. */
export const MAX_PAGE_HEIGHT = 40_000
const MIN_PAGE_HEIGHT = 100
/** How often the page is asked for its height after it loaded. */
const ASK_EVERY_MS = 250
/** How long the grids wait for the height before they cover the default height meanwhile. */
const ANSWER_DEADLINE_MS = 5000
/** How long a page that is slow to answer (a busy machine, a slow script) is still asked. */
const LATE_ANSWER_DEADLINE_MS = 60_000

/**
 * The frame's sandbox. The page's scripts run, since many pages show nothing without them, and the
 * page keeps its own origin, without which its module scripts and storage fail; together the two
 * would let a page of the dashboard's own origin reach into the dashboard and its token, so such a
 * page runs in an opaque origin instead. No forms, pop-ups, top navigation or downloads.
 * @example
 * sandboxFor('https://example.com/pricing', 'https://stats.example.com') // 'allow-scripts allow-same-origin'
 */
export function sandboxFor(pageUrl: string, dashboardOrigin: string): string {
  return new URL(pageUrl).origin === dashboardOrigin ? 'allow-scripts' : 'allow-scripts allow-same-origin'
}

/** The height in an answer from the page, within bounds; undefined for anything that is not an answer. */
export function answeredHeight(data: unknown): number | undefined {
  const answer = data as Partial<PageSizeAnswer> | null
  if (typeof answer !== 'object' || answer === null || answer.type !== PAGE_SIZE_ANSWER) return undefined
  const height = answer.height
  if (typeof height !== 'number' || !Number.isFinite(height) || height < MIN_PAGE_HEIGHT) return undefined
  return Math.min(Math.round(height), MAX_PAGE_HEIGHT)
}

/**
 * A frame of the site's live page, named so that Tellen's script on the page tracks nothing there
 * and tells its height (docs/protocol.md, "The heatmap frame"). Loaded without credentials and
 * without a referrer; once loaded it is asked for its height every 250 ms: `onHeight` gets the
 * height, or undefined when the page has not said within 5 s (no Tellen script, an older one, one
 * that answers another dashboard, or a slow one); a page that answers later, within a minute, still
 * gets `onHeight` with its height.
 * @example
 * grid.prepend(livePageFrame('https://example.com/pricing', '/pricing', (height) => fit(height)))
 */
export function livePageFrame(url: string, page: string, onHeight: (height: number | undefined) => void): HTMLIFrameElement {
  const sandbox = sandboxFor(url, location.origin)
  // A frame in an opaque origin cannot be addressed by its origin.
  const target = sandbox.includes('allow-same-origin') ? new URL(url).origin : '*'
  let done = false
  /** Whether `onHeight` was told that the page has not said its height (yet). */
  let late = false
  let timer: ReturnType<typeof setInterval> | undefined
  const finish = (height: number | undefined) => {
    if (done) return
    done = true
    clearInterval(timer)
    removeEventListener('message', listen)
    if (height !== undefined || !late) onHeight(height)
  }
  const listen = (e: MessageEvent) => {
    if (e.source !== frame.contentWindow) return
    const height = answeredHeight(e.data)
    if (height !== undefined) finish(height)
  }
  const ask = (deadline: number) => {
    if (!frame.isConnected || Date.now() > deadline + LATE_ANSWER_DEADLINE_MS) return finish(undefined)
    if (!late && Date.now() > deadline) {
      late = true
      onHeight(undefined)
    }
    frame.contentWindow?.postMessage(PAGE_SIZE_REQUEST, target)
  }
  const frame = h('iframe', {
    src: url,
    name: HEATMAP_FRAME_NAME,
    sandbox,
    credentialless: true,
    referrerpolicy: 'no-referrer',
    tabindex: '-1',
    'aria-hidden': 'true',
    title: `The live page ${page}`,
    onload: () => {
      if (done || timer) return
      addEventListener('message', listen)
      const deadline = Date.now() + ANSWER_DEADLINE_MS
      ask(deadline)
      timer = setInterval(() => ask(deadline), ASK_EVERY_MS)
    },
  })
  return frame
}

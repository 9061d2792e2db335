import { PAGE_SIZE_ANSWER, PAGE_SIZE_REQUEST, type PageSizeAnswer } from '../../collector/src/protocol.ts'

/**
 * In the dashboard's heatmap frame: answers the dashboard's `PAGE_SIZE_REQUEST` with the page's height
 * as laid out in the frame, so that the frame can be as tall as the page. The answer goes to the
 * dashboard's origin only: `data-dashboard` on the script tag (for a script served from the site's
 * own origin), else the origin the script came from (the collector, which serves the dashboard).
 * Nothing else is said, and nothing is sent anywhere else.
 * @example
 * answerPageSize(document.currentScript as HTMLScriptElement)
 */
export function answerPageSize(chunk: HTMLScriptElement): void {
  const tag = document.querySelector<HTMLScriptElement>('[data-site][src*="/t.js"]')
  const dashboard = new URL(tag?.dataset.dashboard || chunk.src).origin
  const root = document.documentElement
  addEventListener('message', (e) => {
    if (e.data !== PAGE_SIZE_REQUEST || e.origin !== dashboard || e.source !== parent) return
    const answer: PageSizeAnswer = { type: PAGE_SIZE_ANSWER, height: root.scrollHeight }
    parent.postMessage(answer, dashboard)
  })
}

/**
 * Tellen's browser script, served by the collector at `/t.js`:
 *
 *   <script defer src="/t.js" data-site="example.com"></script>
 *
 * or the same tag with `type="module"` instead of `defer`.
 * Attributes: `data-site` (required), `data-api` (the event endpoint; default `/api/event` on the
 * script's own origin), `data-hash` (hash routing), `data-manual` (no automatic page views),
 * `data-allow-localhost`, `data-allow-automation`.
 */
import { installApi, type TellenApi } from './api.ts'
import { watchErrors } from './errors.ts'
import { click, root, watchInteractions } from './interactions.ts'
import { expectExit, leave, watchLeaving } from './leave.ts'
import { linkClick } from './links.ts'
import { pageUrl, pageview, watchNavigation } from './pageviews.ts'
import { send, startTransport } from './transport.ts'
import { HEATMAP_FRAME_NAME } from '../../collector/src/protocol.ts'

// A script loaded as a module (type="module") has no currentScript: it finds its own tag, the
// first with data-site whose src holds /t.js.
const script = (document.currentScript || document.querySelector('[data-site][src*="/t.js"]')) as HTMLScriptElement
const data = script.dataset
const nav = navigator as Navigator & { globalPrivacyControl?: boolean }

const optedOut = nav.doNotTrack == '1' || nav.globalPrivacyControl
const local = /^(localhost|127\.|\[::1\]|$)/.test(location.hostname) && !('allowLocalhost' in data)
const automated = nav.webdriver && !('allowAutomation' in data)

// When the visitor opted out (or on localhost, or under automation) nothing runs and nothing is
// sent; calls from the page stay in the embedding snippet's queue.
if (!(optedOut || local || automated)) {
  // In the dashboard's heatmap frame the page is shown to an analyst: nothing is tracked, and the
  // after-load chunk tells the dashboard the page's size. (The global `name` is the window's name, which
  // TypeScript types as void.)
  if ((name as unknown) != HEATMAP_FRAME_NAME) {
    const hash = 'hash' in data
    const manual = 'manual' in data
    startTransport(data.api || new URL('/api/event', script.src).href, () => ({
      site: data.site!,
      sw: screen.width,
      sh: screen.height,
      tz: Intl.DateTimeFormat().resolvedOptions().timeZone,
      lang: nav.language,
      hash,
    }))
    watchInteractions()
    addEventListener('click', (e) => {
      const target = e.target as Element
      // A click dispatched by a script on the document or the window has no element to describe.
      if (!target.closest) return
      click(e, target)
      const a = target.closest('a[href]') as HTMLAnchorElement | null
      if (a) linkClick(a)
    }, true)
    watchErrors()
    watchLeaving(() => {
      if (!manual) pageview()
    })
    watchNavigation(hash, (exit) => {
      leave(exit)
      if (!manual) pageview()
    })
    const api: TellenApi = (name, props) => {
      if (name == 'pageview') pageview(props?.url)
      else send('custom', { name, props })
    }
    // Timing figures belong to the document as loaded, not to a later view of a single-page app.
    const landing = pageUrl()
    api.t = (metric, value) => send('timing', { url: landing, metric, value })
    api.x = expectExit
    if (!manual) pageview()
    installApi(api)
  }
  // After the load event (so Navigation Timing is complete), fetch the after-load chunk.
  const loaded = () => {
    const chunk = document.createElement('script')
    chunk.src = new URL('t.vitals.js', script.src).href
    // Under a nonce-based Content-Security-Policy the chunk needs the nonce the page gave the script.
    chunk.nonce = script.nonce
    root.append(chunk)
  }
  if (document.readyState == 'complete') loaded()
  else addEventListener('load', loaded)
}

import type { Exit } from './leave.ts'
import { send } from './transport.ts'

let hashRouting: boolean | undefined
let referrer = document.referrer
/** The URL of the page view in progress; events carry it unless they name another. */
export let view = ''

/** The page URL as Tellen sees it: without the fragment, unless it is a hash route (`#/`, `#!/`). */
export function pageUrl(): string {
  return hashRouting && /^#!?\//.test(location.hash) ? location.href : location.href.split('#')[0]!
}

/**
 * Sends a page view: `url` (resolved against the page) defaults to the current location; the
 * referrer is the previous view, or `document.referrer` for the first one.
 */
export function pageview(url?: string): void {
  const next = url ? new URL(url, location as unknown as URL).href : pageUrl()
  send('pageview', { url: next, referrer })
  referrer = view = next
}

/**
 * Calls `change` with how the view was left when a single-page application moves to another URL:
 * history.pushState and replaceState, and popstate (which hash changes fire too). A popstate is
 * back/forward where the browser has no Navigation API; where it has one, a popstate is a fragment
 * the page set itself (`location.hash = '#x'`) unless that API tells the after-load chunk of a
 * traversal, which it reports through `expectExit`.
 */
export function watchNavigation(hash: boolean, change: (exit: Exit) => void): void {
  hashRouting = hash
  // The location last seen, apart from the view events belong to: a page view the page sent with a
  // URL of its own is not a navigation when the location has not changed.
  let at = (view = pageUrl())
  const check = (exit: Exit) => {
    if (at != (at = pageUrl())) change(exit)
  }
  for (const method of ['pushState', 'replaceState'] as const) {
    const original = history[method]
    history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
      original.apply(this, args)
      check('internal')
    }
  }
  // Fragment navigations fire popstate too, so hash routes need no hashchange listener.
  addEventListener('popstate', () => check((self as { navigation?: unknown }).navigation ? 'internal' : 'back_forward'))
}

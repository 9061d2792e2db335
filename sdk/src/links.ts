import { expectExit } from './leave.ts'
import { send } from './transport.ts'

/** File extensions whose links count as downloads. */
const DOWNLOAD = /\.(pdf|zip|t?gz|7z|rar|dmg|exe|msi|pkg|deb|apk|iso|csv|xlsx?|docx?|pptx?|mp[34])$/i

/**
 * Handles a click on a link: downloads (by extension or `download` attribute) and `tel:` calls are
 * sent as events, and every link tells how the page is about to be left.
 */
export function linkClick(a: HTMLAnchorElement): void {
  const protocol = a.protocol
  const href = a.href
  if (protocol == 'tel:') {
    // unescape, unlike decodeURIComponent, never throws (tel:0800-100%); numbers are ASCII either way.
    send('call', { number: unescape(a.pathname).replace(/[^+\d]/g, '') })
    expectExit('tel')
  } else if (protocol == 'mailto:') {
    expectExit('mailto')
  } else if (!/^https?:$/.test(protocol)) {
    // javascript: and other schemes leave nothing to report.
  } else if (a.hasAttribute('download') || DOWNLOAD.test(a.pathname)) {
    send('download', { resource: href })
    expectExit('download', href)
  } else {
    expectExit(a.host == location.host ? 'internal' : 'outbound', href)
  }
}

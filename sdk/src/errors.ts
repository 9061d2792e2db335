import { send } from './transport.ts'

/**
 * Sends an `error` event for every resource (img, script, stylesheet, media) that fails to load.
 * `kind` is the element's tag name; the collector maps it to a kind (ERROR_KIND_OF_ELEMENT).
 */
export function watchErrors(): void {
  addEventListener('error', (e) => {
    const el = e.target as HTMLImageElement & HTMLLinkElement
    const resource = el.currentSrc || el.src || el.href
    // An error of the window itself has no resource: undefined reads as "undefined", which does not match.
    if (/^https?:/.test(resource)) send('error', { kind: el.localName, resource })
  }, true)
}

/**
 * A few DOM builders. Text always goes in as text nodes, never as HTML: paths and referrers are
 * untrusted. For the same reason, the controls that reorder text (bidirectional embeddings, overrides
 * and isolates) show as escapes in text and in the attributes people read; values, data-* attributes
 * and what is sent to the API keep them.
 */

type Child = Node | string | number | null | undefined | false | Child[]
type Attrs = Record<string, string | number | boolean | undefined | null | ((e: Event) => void)>

const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g

/**
 * A text with its bidirectional controls written as escapes, so that a stored value cannot reorder
 * what is shown around it.
 * @example visibleControls('invoice\u202Efdp.exe') // 'invoice\\u202Efdp.exe'
 */
export const visibleControls = (text: string) =>
  text.replace(BIDI_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase()}`)

/** Attributes whose text is shown or read out. */
const READ_ATTRIBUTES = new Set(['title', 'aria-label', 'alt', 'placeholder'])

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    if (Array.isArray(c)) append(el, c)
    else el.append(c instanceof Node ? c : visibleControls(String(c)))
  }
}

function assign(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v)
    else el.setAttribute(k, v === true ? '' : READ_ATTRIBUTES.has(k) ? visibleControls(String(v)) : String(v))
  }
}

/**
 * Creates an HTML element; attributes named `on...` become listeners.
 * @example h('button', { type: 'button', onclick: () => go() }, 'Apply')
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag)
  assign(el, attrs)
  append(el, children)
  return el
}

/** Replaces an element's children. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren()
  append(el, children)
}

/** Sets a CSS custom property (through the CSSOM, which the Content-Security-Policy allows). */
export function setVar(el: HTMLElement, name: string, value: string | number): void {
  el.style.setProperty(name, String(value))
}

let ids = 0
/** A unique element id with a readable prefix. */
export const uid = (prefix: string) => `${prefix}-${++ids}`

/** A few DOM builders. Text always goes in as text nodes, never as HTML: paths and referrers are untrusted. */

type Child = Node | string | number | null | undefined | false | Child[]
type Attrs = Record<string, string | number | boolean | undefined | null | ((e: Event) => void)>

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue
    if (Array.isArray(c)) append(el, c)
    else el.append(c instanceof Node ? c : String(c))
  }
}

function assign(el: Element, attrs: Attrs | null | undefined): void {
  if (!attrs) return
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v)
    else el.setAttribute(k, v === true ? '' : String(v))
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

import { GRID_COLUMNS, GRID_ROWS } from '../../collector/src/protocol.ts'
import { active } from './leave.ts'
import { send } from './transport.ts'

/** Mouse movement counts per grid cell in this view, row-major. */
export let grid: number[]
/** The deepest point of the page seen in this view, in percent of its height. */
export let depth: number

export const root = document.documentElement

/** Starts counting afresh for a new view (or after a leave). */
export function resetInteractions(): void {
  grid = Array(GRID_COLUMNS * GRID_ROWS).fill(0)
  depth = 0
}

/** The page-relative grid cell of a point in page coordinates: column and row. */
function cell(e: MouseEvent): [number, number] {
  return [Math.min(GRID_COLUMNS - 1, ((e.pageX * GRID_COLUMNS) / root.scrollWidth) | 0), Math.min(GRID_ROWS - 1, ((e.pageY * GRID_ROWS) / root.scrollHeight) | 0)]
}

/** Updates the deepest point seen; called on scroll and before a leave (no layout read at start). */
export function measureScroll(): void {
  depth = Math.max(depth, Math.min(100, Math.round(((scrollY + innerHeight) * 100) / root.scrollHeight)))
}

/**
 * A short description of an element that says nothing of its content: tag, `#id` and the
 * `data-tellen` name in brackets, e.g. `button#buy[cta]`.
 */
export function describe(el: Element): string {
  const name = el.getAttribute('data-tellen')
  return (el.localName + (el.id ? '#' + el.id : '') + (name ? '[' + name + ']' : '')).slice(0, 200)
}

/** Sends a click with its element and grid cell. */
export function click(e: MouseEvent, target: Element): void {
  const [cx, cy] = cell(e)
  send('click', { el: describe(target.closest('[data-tellen],a,button') || target), cx, cy })
}

/** Watches scroll depth and mouse movement; both count as signs that the visitor is there. */
export function watchInteractions(): void {
  resetInteractions()
  addEventListener('scroll', () => {
    active()
    measureScroll()
  })
  addEventListener('mousemove', (e) => {
    active()
    const [x, y] = cell(e)
    grid[y * GRID_COLUMNS + x]!++
  })
}

import { get } from '../api.ts'
import { h, replace, setVar } from '../dom.ts'
import { formatCount, formatExact, formatShare } from '../format.ts'
import { createPanel, empty } from '../panel.ts'
import type { BreakdownResult, InteractionsResult } from '../types.ts'
import { sitePath, type View } from '../view.ts'

const SIZE = 10
/** The width at which the live page is laid out under the grids (a common desktop width), then scaled to fit. */
export const FRAME_WIDTH = 1280

/** A row-major grid (`grid[y][x]`) as one list of 100 cells, row by row. */
const cellsOf = (grid: readonly (readonly number[])[]) =>
  Array.from({ length: SIZE * SIZE }, (_, i) => Number(grid[Math.floor(i / SIZE)]?.[i % SIZE] ?? 0))

/**
 * A 10x10 grid over the page (columns across its width, rows down its full height) whose cells are
 * shaded by count.
 */
function heatGrid(title: string, unit: string, counts: readonly number[], live?: { url: string; page: string }) {
  const total = counts.reduce((a, b) => a + b, 0)
  const max = Math.max(1, ...counts)
  const top = counts.indexOf(Math.max(...counts))
  const summary = total
    ? `${title}: ${formatExact(total)} ${unit} in all; most in row ${Math.floor(top / SIZE) + 1}, column ${(top % SIZE) + 1} (${formatExact(counts[top]!)}).`
    : `${title}: none.`
  const cells = Array.from({ length: SIZE * SIZE }, (_, i) => {
    const n = counts[i] ?? 0
    const cell = h('span', { class: 'cell', 'data-count': n, title: `Row ${Math.floor(i / SIZE) + 1}, column ${(i % SIZE) + 1}: ${formatExact(n)} ${unit}` })
    setVar(cell, '--heat', n / max)
    return cell
  })
  const grid = h('div', { class: `grid${live ? ' live' : ''}`, role: 'img', 'aria-label': summary }, cells)
  if (live) {
    // Sandboxed without scripts: the page shows, its own scripts (Tellen's among them) do not run, and
    // nothing of it reaches the dashboard. A page that refuses to be framed leaves the frame empty.
    grid.prepend(h('iframe', { src: live.url, sandbox: '', referrerpolicy: 'no-referrer', loading: 'lazy', tabindex: '-1', 'aria-hidden': 'true', title: `The live page ${live.page}` }))
    const fit = new ResizeObserver(() => setVar(grid, '--frame-scale', grid.clientWidth / FRAME_WIDTH))
    fit.observe(grid)
  }
  return h('figure', { class: `heat ${unit}` },
    grid,
    h('figcaption', null, h('strong', null, title), ` · ${formatCount(total)} ${unit}`))
}

/** Clicks and mouse movement on one page as 10x10 grids, its scroll depth and its most clicked elements. */
export function createInteractions() {
  let view: View | undefined
  const select = h('select', { id: 'heatmap-page', onchange: () => view?.navigate({ heatmap: select.value }) })
  const overlay = h('input', { type: 'checkbox', id: 'heatmap-overlay', onchange: () => view?.navigate({ overlay: overlay.checked }) })
  const controls = h('div', { class: 'controls' },
    h('label', { class: 'check', title: 'Draw the grids over the page itself, where it may be shown in a frame' }, overlay, 'Over the live page'),
    h('label', { for: 'heatmap-page' }, 'Page'), select)
  const panel = createPanel('Interactions', { className: 'interactions', controls: [controls] })

  function render(r: InteractionsResult, live?: { url: string; page: string }) {
    const clicks = cellsOf(r.clicks)
    const moves = cellsOf(r.moves)
    if (!clicks.some(Boolean) && !moves.some(Boolean) && !r.scroll.some((s) => s.views) && !r.elements.length) {
      return replace(panel.body, empty('No interactions recorded on this page in this period.'))
    }
    const scrollTotal = r.scroll.reduce((n, s) => n + s.views, 0)
    replace(panel.body,
      h('div', { class: 'heat-pair' }, heatGrid('Clicks', 'clicks', clicks, live), heatGrid('Mouse movement', 'moves', moves, live)),
      scrollTotal
        ? h('div', { class: 'scroll-depth' }, h('h3', null, 'Deepest scroll'),
            h('ul', { class: 'bars', 'aria-label': 'Share of page views by the deepest point scrolled to' }, r.scroll.map((s) => {
              const bar = h('span', { class: 'bar', 'aria-hidden': 'true' })
              setVar(bar, '--share', s.views / scrollTotal)
              return h('li', null, h('span', { class: 'bar-label' }, `${s.depth}%`), bar, h('span', { class: 'num' }, formatShare(s.views / scrollTotal)))
            })))
        : null,
      r.elements.length
        ? h('div', { class: 'elements' }, h('h3', null, 'Most clicked elements'),
            h('table', { class: 'data' }, h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Element'), h('th', { scope: 'col', class: 'num' }, 'Clicks'))),
              h('tbody', null, r.elements.map((e) => h('tr', null, h('th', { scope: 'row' }, h('code', null, e.element)), h('td', { class: 'num' }, formatCount(e.clicks)))))))
        : null)
  }

  return {
    el: panel.el,
    update(v: View) {
      view = v
      overlay.checked = v.state.overlay
      // The page in the URL, else the filtered page, else the most viewed one: after Back as on a fresh load.
      const chosen = v.state.heatmap ?? v.state.filters.page
      panel.load(`${v.key}#${chosen ?? ''}#${v.state.overlay}`, async () => {
        const listed = await get<BreakdownResult>(sitePath(v.site, 'breakdown/page'), { ...v.params, limit: 50, offset: 0 })
        const pages = listed.rows.map((row) => row.value)
        const page = chosen ?? pages[0]
        if (page && !pages.includes(page)) pages.unshift(page)
        if (page) panel.setDownload({ path: sitePath(v.site, 'interactions'), params: { ...v.params, page }, filename: `${v.site.domain}-interactions.csv` })
        const result = page ? await get<InteractionsResult>(sitePath(v.site, 'interactions'), { ...v.params, page }) : undefined
        return { source: result?.source, pages, page, result }
      }, ({ pages, page, result }) => {
        replace(select, pages.map((p) => h('option', { value: p }, p)))
        select.value = page ?? ''
        if (!result) return replace(panel.body, empty('No pages were viewed in this period.'))
        render(result, v.state.overlay && page ? { url: `https://${v.site.domain}${page}`, page } : undefined)
      })
    },
  }
}

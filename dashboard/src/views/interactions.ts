import { get } from '../api.ts'
import { h, replace, setVar } from '../dom.ts'
import { formatCount, formatExact, formatShare } from '../format.ts'
import { createPanel, empty } from '../panel.ts'
import type { BreakdownResult, InteractionsResult, PageFrameResult } from '../types.ts'
import { sitePath, type View } from '../view.ts'
import { DEFAULT_PAGE_HEIGHT, FRAME_WIDTH, livePageFrame } from './live-page.ts'

const SIZE = 10

/** The page-frame check's answer, or why it could not be asked. */
type LiveCheck = PageFrameResult | { framing: 'failed'; reason: string }

/** The site's page to draw the grids over, and what to say when its height is known or not. */
interface LivePage {
  url: string
  page: string
  onHeight: (height: number | undefined) => void
}

/** A row-major grid (`grid[y][x]`) as one list of 100 cells, row by row. */
const cellsOf = (grid: readonly (readonly number[])[]) =>
  Array.from({ length: SIZE * SIZE }, (_, i) => Number(grid[Math.floor(i / SIZE)]?.[i % SIZE] ?? 0))

/**
 * A 10x10 grid over the page (columns across its width, rows down its full height) whose cells are
 * shaded by count.
 */
function heatGrid(title: string, unit: string, counts: readonly number[], live?: LivePage) {
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
  const caption = h('figcaption', null, h('strong', null, title), ` · ${formatCount(total)} ${unit}`)
  if (!live) return h('figure', { class: `heat ${unit}` }, grid, caption)
  // The page is laid out FRAME_WIDTH pixels wide and as tall as it says it is, then scaled to the
  // grid's width; the grid's rows divide that height as the script divided the page's.
  setVar(grid, '--page-height', DEFAULT_PAGE_HEIGHT)
  grid.prepend(livePageFrame(live.url, live.page, (height) => {
    if (height !== undefined) setVar(grid, '--page-height', height)
    live.onHeight(height)
  }))
  new ResizeObserver(() => setVar(grid, '--frame-scale', grid.clientWidth / FRAME_WIDTH)).observe(grid)
  // A tall page scrolls within the figure, grid and page together.
  const scroller = h('div', { class: 'page-scroll', tabindex: '0', role: 'group', 'aria-label': `${title} over the live page` }, grid)
  return h('figure', { class: `heat ${unit}` }, scroller, caption)
}

/** What the panel says above grids over the live page, or in place of it. */
function liveNote(check: LiveCheck): string {
  switch (check.framing) {
    case 'allowed':
      return 'Loading the live page…'
    case 'refused':
      return `This page does not allow being shown in the dashboard: ${check.reason}. The grids are drawn over a neutral frame.`
    default:
      return `The live page could not be checked: ${check.reason}. The grids are drawn over a neutral frame.`
  }
}

/** What the panel says once the live page told its height, or did not. */
const heightNote = (height: number | undefined) =>
  height === undefined
    ? `The page did not say how tall it is (Tellen's script on it answers only the dashboard it comes from), so the grids cover its first ${formatExact(DEFAULT_PAGE_HEIGHT)} pixels.`
    : `The live page as it is now, ${formatExact(FRAME_WIDTH)} pixels wide and ${formatExact(height)} tall. Nothing of it is recorded.`

/** Clicks and mouse movement on one page as 10x10 grids, its scroll depth and its most clicked elements. */
export function createInteractions() {
  let view: View | undefined
  const select = h('select', { id: 'heatmap-page', onchange: () => view?.navigate({ heatmap: select.value }) })
  const overlay = h('input', { type: 'checkbox', id: 'heatmap-overlay', onchange: () => view?.navigate({ overlay: overlay.checked }) })
  const controls = h('div', { class: 'controls' },
    h('label', { class: 'check', title: 'Draw the grids over the page itself, where it may be shown in a frame' }, overlay, 'Over the live page'),
    h('label', { for: 'heatmap-page' }, 'Page'), select)
  const panel = createPanel('Interactions', { className: 'interactions', controls: [controls] })

  function render(r: InteractionsResult, check?: LiveCheck) {
    const clicks = cellsOf(r.clicks)
    const moves = cellsOf(r.moves)
    if (!clicks.some(Boolean) && !moves.some(Boolean) && !r.scroll.some((s) => s.views) && !r.elements.length) {
      return replace(panel.body, empty('No interactions recorded on this page in this period.'))
    }
    const scrollTotal = r.scroll.reduce((n, s) => n + s.views, 0)
    const note = check ? h('p', { class: 'heat-note', role: 'status' }, liveNote(check)) : null
    // Both grids' frames say the page's height; once one has, a frame still waiting does not undo the note.
    let told: number | undefined
    const onHeight = (height: number | undefined) => {
      if (height === undefined && told !== undefined) return
      told = height
      if (note) replace(note, heightNote(height))
    }
    const live = note && check?.framing === 'allowed' ? { url: check.url, page: check.page, onHeight } : undefined
    replace(panel.body,
      note,
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
        const [result, check] = await Promise.all([
          page ? get<InteractionsResult>(sitePath(v.site, 'interactions'), { ...v.params, page }) : undefined,
          // Whether the page lets the dashboard frame it: the collector reads the page's headers.
          v.state.overlay && page
            ? get<PageFrameResult>(sitePath(v.site, 'page-frame'), { page, origin: location.origin }).catch((err: Error): LiveCheck => ({ framing: 'failed', reason: err.message }))
            : undefined,
        ])
        return { source: result?.source, pages, page, result, check }
      }, ({ pages, page, result, check }) => {
        replace(select, pages.map((p) => h('option', { value: p }, p)))
        select.value = page ?? ''
        if (!result) return replace(panel.body, empty('No pages were viewed in this period.'))
        render(result, check)
      })
    },
  }
}

import { ApiError, get } from '../api.ts'
import { h, replace, setVar } from '../dom.ts'
import { formatCount, formatExact } from '../format.ts'
import { createPanel, empty } from '../panel.ts'
import type { BreakdownResult, JourneysResult } from '../types.ts'
import { sitePath, type View } from '../view.ts'
import { EXIT_KINDS } from './exit-kinds.ts'
import { urlText } from './url-text.ts'

/** Rows of each side of a journey. */
const TOP = 10

/** How a step before the page reads: another page, or the source of a visit that entered here. */
function previousLabel(r: JourneysResult['previous'][number]): Node | string {
  if (r.kind === 'page') return h('code', { title: r.value }, urlText(r.value))
  return `Entered from ${r.value || 'a direct visit'}`
}

/** How a step after the page reads: the next page, or how the visit ended here. */
function nextLabel(r: JourneysResult['next'][number]): Node | string {
  if (r.kind === 'page') return h('code', { title: r.value }, urlText(r.value))
  return `Left: ${EXIT_KINDS[r.value] ?? (r.value || 'visit ended')}`
}

function side<R extends { value: string; visitors: number; kind: string }>(title: string, rows: R[], label: (r: R) => Node | string) {
  const max = Math.max(1, ...rows.map((r) => r.visitors))
  return h('div', { class: 'journey-side' },
    h('h3', null, title),
    rows.length
      ? h('ul', { class: 'journey-list' }, rows.map((r) => {
          const item = h('li', { 'data-kind': r.kind, 'data-value': r.value },
            h('span', { class: 'journey-label' }, label(r)),
            h('span', { class: 'num', title: formatExact(r.visitors) }, formatCount(r.visitors)))
          setVar(item, '--share', r.visitors / max)
          return item
        }))
      : empty('None in this period.'))
}

/** Journeys through one page: where its visitors came from and where they went next, within visits. */
export function createJourneys() {
  let view: View | undefined
  const select = h('select', { id: 'journey-page', onchange: () => view?.navigate({ journey: select.value }) })
  const controls = h('div', { class: 'controls' }, h('label', { for: 'journey-page' }, 'Page'), select)
  const panel = createPanel('Journeys', { className: 'journeys', controls: [controls] })

  return {
    el: panel.el,
    update(v: View) {
      view = v
      const chosen = v.state.journey
      panel.load(`${v.key}#${chosen ?? ''}`, async () => {
        const listed = await get<BreakdownResult>(sitePath(v.site, 'breakdown/page'), { ...v.params, limit: 50, offset: 0 })
        const pages = listed.rows.map((row) => row.value)
        const page = chosen ?? pages[0]
        if (page && !pages.includes(page)) pages.unshift(page)
        if (!page) return { source: listed.source, pages, page, result: undefined }
        const params = { ...v.params, page, limit: TOP }
        panel.setDownload({ path: sitePath(v.site, 'journeys'), params, filename: `${v.site.domain}-journeys.csv` })
        const result = await get<JourneysResult>(sitePath(v.site, 'journeys'), params).catch((err: unknown) => {
          if (err instanceof ApiError && err.status === 404) return undefined
          throw err
        })
        if (!result) panel.setDownload(undefined)
        return { source: result?.source, span: result?.span, pages, page, result, unavailable: !result }
      }, ({ pages, page, result, unavailable }) => {
        replace(select, pages.map((p) => h('option', { value: p }, p)))
        select.value = page ?? ''
        if (unavailable) return replace(panel.body, empty('This collector does not answer journeys yet.'))
        if (!result) return replace(panel.body, empty('No pages were viewed in this period.'))
        replace(panel.body, h('div', { class: 'journey-pair' },
          side('Came from', result.previous.slice(0, TOP), previousLabel),
          side('Went next', result.next.slice(0, TOP), nextLabel)))
      })
    },
  }
}

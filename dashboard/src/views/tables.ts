import { get } from '../api.ts'
import { h, replace } from '../dom.ts'
import { formatCount, formatDuration, formatExact } from '../format.ts'
import { createPanel, empty, errorText, type Panel } from '../panel.ts'
import { ERROR_KINDS, type ErrorKind, type ViewState } from '../state.ts'
import type { AnswerSource, CallsResult, ErrorsResult, ExitsResult, PropertiesResult } from '../types.ts'
import { sitePath, type View } from '../view.ts'
import { EXIT_KINDS } from './exit-kinds.ts'
import { urlText } from './url-text.ts'

interface Column<R> {
  label: string
  cell: (r: R) => string | Node
  numeric?: boolean
}

const PAGE = 10

interface Choice {
  /** The query parameter of the API the choice sets. */
  param: string
  label: string
  /** The options; the first, of value '', is the default. */
  options: [value: string, label: string][]
  /** What the API is asked for when the default is chosen (nothing when undefined). */
  byDefault?: string
  /** The chosen value in a view's state, and the change of state that chooses another. */
  get: (s: ViewState) => string
  set: (value: string) => Partial<ViewState>
}

/**
 * A panel with a table of rows from one endpoint, "Show more", and optionally a choice that narrows
 * it, kept in the URL like every other choice.
 */
function tablePanel<R>(title: string, endpoint: string, columns: Column<R>[], emptyText: string, className: string, choice?: Choice) {
  let view: View | undefined
  const select = choice && choice.options.length > 1
    ? h('select', { id: `${className}-${choice.param}`, onchange: () => view?.navigate(choice.set(select!.value)) }, choice.options.map(([value, label]) => h('option', { value }, label)))
    : undefined
  const controls = choice && select ? [h('div', { class: 'controls' }, h('label', { for: select.id, class: 'sr-only' }, choice.label), select)] : []
  const panel: Panel = createPanel(title, { className, controls })
  const extra = (v: View): Record<string, string> => {
    if (!choice) return {}
    const value = choice.get(v.state) || choice.byDefault
    return value ? { [choice.param]: value } : {}
  }
  const render = (v: View, first: R[]) => {
    const rows = first.slice(0, PAGE)
    const tbody = h('tbody')
    const fill = () => replace(tbody, rows.map((r) => h('tr', null, columns.map((c, i) =>
      i === 0 ? h('th', { scope: 'row' }, c.cell(r)) : h('td', { class: c.numeric ? 'num' : undefined }, c.cell(r))))))
    fill()
    if (!rows.length) return replace(panel.body, empty(emptyText))
    const status = h('p', { class: 'more-status', role: 'status' })
    const more = h('button', { type: 'button', class: 'link more', hidden: first.length <= PAGE }, 'Show more')
    more.addEventListener('click', () => {
      const focused = document.activeElement === more
      const from = rows.length
      more.disabled = true
      get<{ rows: R[] }>(sitePath(v.site, endpoint), { ...v.params, ...extra(v), limit: PAGE + 1, offset: rows.length })
        .then((r) => {
          rows.push(...r.rows.slice(0, PAGE))
          fill()
          more.hidden = r.rows.length <= PAGE
          more.disabled = false
          status.textContent = `${Math.min(PAGE, r.rows.length)} more shown.`
          // The focus stays on "Show more", or goes to the first row it added once there is no more.
          const next = more.hidden ? tbody.rows[from]?.cells[0] : more
          if (focused && next) {
            if (next !== more) next.tabIndex = -1
            next.focus()
          }
        })
        .catch((err: unknown) => {
          more.disabled = false
          status.textContent = `Could not load more: ${errorText(err)}`
          if (focused) more.focus()
        })
    })
    replace(panel.body,
      h('div', { class: 'scroll' }, h('table', { class: 'data' },
        h('thead', null, h('tr', null, columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.label)))),
        tbody)),
      h('div', { class: 'panel-foot' }, more, status))
  }
  function update(v: View) {
    view = v
    const chosen = choice?.get(v.state) ?? ''
    if (select) select.value = chosen
    const params = { ...v.params, ...extra(v), limit: PAGE + 1, offset: 0 }
    panel.setDownload({ path: sitePath(v.site, endpoint), params: { ...v.params, ...extra(v) }, filename: `${v.site.domain}-${className}.csv` })
    panel.load(`${v.key}#${chosen}`, () => get<{ source: AnswerSource; rows: R[] }>(sitePath(v.site, endpoint), params), (r) => render(v, r.rows))
  }
  return { el: panel.el, update }
}

const count = (n: number) => h('span', { title: formatExact(n) }, formatCount(n))
const code = (s: string) => h('code', { title: s }, urlText(s))

const ERROR_KIND_LABELS: Record<ErrorKind, string> = {
  img: 'Images', script: 'Scripts', css: 'Style sheets', media: 'Media', fetch: 'Fetches', other: 'Other resources',
}
const KIND_WORDS: Record<string, string> = { img: 'Image', script: 'Script', css: 'Style sheet', media: 'Media', fetch: 'Fetch', other: 'Other' }

/** Resources that failed to load, by page, kind and resource; started downloads are not failures. */
export const createErrors = () =>
  tablePanel<ErrorsResult['rows'][number]>('Failed resources', 'errors', [
    { label: 'Resource', cell: (r) => code(r.resource) },
    { label: 'Kind', cell: (r) => KIND_WORDS[r.kind] ?? r.kind },
    { label: 'Page', cell: (r) => code(r.page) },
    { label: 'Failures', cell: (r) => count(r.count), numeric: true },
    { label: 'Visitors', cell: (r) => count(r.visitors), numeric: true },
  ], 'Nothing failed to load in this period.', 'errors', {
    param: 'kind',
    label: 'Kind',
    options: [['', 'All kinds'], ...ERROR_KINDS.map((k): [string, string] => [k, ERROR_KIND_LABELS[k]])],
    byDefault: 'failed',
    get: (s) => s.errors ?? '',
    set: (value) => ({ errors: value ? (value as ErrorKind) : undefined }),
  })

/** Files whose download started (links to PDFs, archives and the like), by file and page. */
export const createDownloads = () =>
  tablePanel<ErrorsResult['rows'][number]>('Downloads', 'errors', [
    { label: 'File', cell: (r) => code(r.resource) },
    { label: 'Page', cell: (r) => code(r.page) },
    { label: 'Downloads', cell: (r) => count(r.count), numeric: true },
    { label: 'Visitors', cell: (r) => count(r.visitors), numeric: true },
  ], 'No file was downloaded in this period.', 'downloads', {
    param: 'kind',
    label: 'Kind',
    options: [['', 'Downloads started']],
    byDefault: 'download',
    get: () => '',
    set: () => ({}),
  })

/** How visitors left pages: by page, way of leaving and target. */
export const createExits = () =>
  tablePanel<ExitsResult['rows'][number]>('Exits', 'exits', [
    { label: 'Page', cell: (r) => code(r.page) },
    { label: 'How', cell: (r) => EXIT_KINDS[r.kind] ?? r.kind },
    { label: 'To', cell: (r) => (r.target ? code(r.target) : '–') },
    { label: 'Exits', cell: (r) => count(r.leaves), numeric: true },
    { label: 'Time on page', cell: (r) => formatDuration(r.engaged_seconds), numeric: true },
  ], 'No exits recorded in this period.', 'exits')

/** Clicks on tel: links, by number and page. */
export const createCalls = () =>
  tablePanel<CallsResult['rows'][number]>('Phone calls', 'calls', [
    { label: 'Number', cell: (r) => r.number },
    { label: 'Page', cell: (r) => code(r.page) },
    { label: 'Calls', cell: (r) => count(r.calls), numeric: true },
    { label: 'Visitors', cell: (r) => count(r.visitors), numeric: true },
  ], 'No phone links were clicked in this period.', 'calls')

/** Properties sent with custom events, by event, property and value. */
export const createProperties = () =>
  tablePanel<PropertiesResult['rows'][number]>('Event properties', 'properties', [
    { label: 'Event', cell: (r) => r.event },
    { label: 'Property', cell: (r) => r.prop },
    { label: 'Value', cell: (r) => r.value },
    { label: 'Events', cell: (r) => count(r.events), numeric: true },
    { label: 'Visitors', cell: (r) => count(r.visitors), numeric: true },
  ], 'No custom event properties in this period.', 'properties')

import { get } from '../api.ts'
import { h, replace, setVar, uid } from '../dom.ts'
import { formatCount, formatExact, formatShare } from '../format.ts'
import { createPanel, empty, errorText } from '../panel.ts'
import { DIMENSION_LABELS, TAB_GROUPS, type Dimension, type TabGroup, type ViewState } from '../state.ts'
import type { BreakdownResult, BreakdownRow as ApiRow, GoalBreakdownResult, GoalColumns } from '../types.ts'
import { sitePath, type View } from '../view.ts'
import { valueCode, valueLabel } from './labels.ts'

/** Rows shown at first and added by "Show more". */
export const PAGE_SIZE = 10

interface Group {
  title: string
  /** The URL parameter that holds the chosen tab, for a panel with more than one. */
  param?: TabGroup
  tabs: [Dimension, string][]
}

const TAB_LABELS: Partial<Record<Dimension, string>> = {
  page: 'Top pages', entry_page: 'Entry pages', exit_page: 'Exit pages',
  source: 'Sources', referrer: 'Referrers', utm_source: 'UTM source', utm_medium: 'UTM medium', utm_campaign: 'UTM campaign',
  country: 'Countries', language: 'Languages', timezone: 'Time zones',
  browser: 'Browsers', os: 'OS', device: 'Devices', screen: 'Screens', browser_version: 'Browser versions', os_version: 'OS versions',
}
const tabsOf = (param: TabGroup): [Dimension, string][] => TAB_GROUPS[param].map((d) => [d, TAB_LABELS[d] ?? DIMENSION_LABELS[d]])

export const GROUPS: Group[] = [
  { title: 'Pages', param: 'pages', tabs: tabsOf('pages') },
  { title: 'Sources', param: 'sources', tabs: tabsOf('sources') },
  { title: 'Locations', param: 'locations', tabs: tabsOf('locations') },
  { title: 'Technology', param: 'tech', tabs: tabsOf('tech') },
  { title: 'Custom events', tabs: [['event', 'Custom events']] },
]

/** A row of a breakdown, with the conversions of the chosen goal when one is chosen. */
type BreakdownRow = ApiRow & Partial<GoalColumns>
/** A breakdown's answer: with a goal chosen, its rows carry the goal's conversions. */
type Answer = BreakdownResult | GoalBreakdownResult

const COLUMNS: { key: keyof BreakdownRow; label: string; format: (n: number) => string }[] = [
  { key: 'visitors', label: 'Visitors', format: formatCount },
  { key: 'visits', label: 'Visits', format: formatCount },
  { key: 'pageviews', label: 'Pageviews', format: formatCount },
  { key: 'events', label: 'Events', format: formatCount },
  { key: 'bounce_rate', label: 'Bounce', format: formatShare },
  { key: 'conversions', label: 'Converted', format: formatCount },
  { key: 'conversion_rate', label: 'Conv. rate', format: formatShare },
]
/** The columns of a goal: shown before the others on a narrow screen, which has room for two. */
const GOAL_KEYS: readonly (keyof BreakdownRow)[] = ['conversion_rate', 'conversions']

/** The parameters of a breakdown: the view's, and the chosen goal's. */
const breakdownParams = (v: View) => (v.state.goal ? { ...v.params, goal: v.state.goal } : v.params)

/**
 * One breakdown panel: tabs of related dimensions, rows that add a filter when clicked, and "Show more".
 * The chosen tab is in the URL; a tab that had the focus hands it to the one the URL selects.
 */
function createGroup(group: Group) {
  let view: View | undefined
  const first = group.tabs[0]![0]
  const chosen = (s: ViewState): Dimension => (group.param && s.tabs[group.param]) || first
  let dim = first
  const panelId = uid('tabpanel')
  const tabs = group.tabs.map(([d, label]) =>
    h('button', {
      type: 'button', role: 'tab', id: `tab-${d}`, 'data-dimension': d, 'aria-controls': panelId,
      onclick: () => select(d),
      onkeydown: (e: Event) => {
        const k = (e as KeyboardEvent).key
        const i = group.tabs.findIndex(([x]) => x === dim)
        const next = k === 'ArrowRight' ? i + 1 : k === 'ArrowLeft' ? i - 1 : k === 'Home' ? 0 : k === 'End' ? group.tabs.length - 1 : -1
        if (next < 0 && k !== 'ArrowLeft') return
        e.preventDefault()
        const d2 = group.tabs[(next + group.tabs.length) % group.tabs.length]![0]
        select(d2)
        tabs.find((t) => t.dataset.dimension === d2)?.focus()
      },
    }, label))
  const tablist = group.tabs.length > 1 ? h('div', { role: 'tablist', 'aria-label': group.title, class: 'tabs' }, tabs) : null
  const panel = createPanel(group.title, { className: 'breakdown', controls: tablist ? [tablist] : [] })
  panel.body.id = panelId
  if (tablist) panel.body.setAttribute('role', 'tabpanel')
  panel.el.dataset.group = group.tabs[0]![0]

  function select(d: Dimension) {
    if (!view || !group.param || d === dim) return
    view.navigate({ tabs: { ...view.state.tabs, [group.param]: d === first ? undefined : d } })
  }

  function render(v: View, d: Dimension, first: Answer) {
    const rows: BreakdownRow[] = first.rows.slice(0, PAGE_SIZE)
    let more = first.rows.length > PAGE_SIZE
    const present = COLUMNS.filter((c) => first.rows.some((r) => (r as BreakdownRow)[c.key] !== undefined && (r as BreakdownRow)[c.key] !== null))
    const goal = present.some((c) => GOAL_KEYS.includes(c.key))
    const columns = goal ? [present[0]!, ...GOAL_KEYS.flatMap((k) => present.filter((c) => c.key === k)), ...present.slice(1).filter((c) => !GOAL_KEYS.includes(c.key))] : present
    const tbody = h('tbody')
    const max = () => Math.max(1, ...rows.map((r) => r.visitors))
    const status = h('p', { class: 'more-status', role: 'status' })
    const moreButton = h('button', { type: 'button', class: 'link more' }, 'Show more')

    const row = (r: BreakdownRow) => {
      const active = v.state.filters[d] === r.value
      const label = valueLabel(d, r.value)
      const code = valueCode(d, r.value)
      const content = [h('span', { class: 'label' }, label), code ? h('span', { class: 'code' }, code) : null]
      // The API filters by a value, never by its absence: a row without one is text, not a button.
      const cell = h('th', { scope: 'row', class: 'bar-cell' }, r.value === ''
        ? h('span', { class: 'row-value', 'data-value': r.value }, content)
        : h('button', {
            type: 'button', class: 'row-value row-filter', 'data-value': r.value, 'aria-pressed': String(active),
            title: active ? `Filtering by ${label}` : `Filter by ${DIMENSION_LABELS[d].toLowerCase()}: ${label}`,
            onclick: () => v.navigate({ filters: { ...v.state.filters, [d]: r.value } }),
          }, content))
      setVar(cell, '--share', r.visitors / max())
      return h('tr', null, cell, columns.map((c) => {
        const n = r[c.key] as number | undefined
        return h('td', { 'data-column': c.key, title: n !== undefined && c.key !== 'bounce_rate' ? formatExact(n) : undefined }, n === undefined ? '–' : c.format(n))
      }))
    }
    const fill = () => replace(tbody, rows.map(row))
    fill()

    moreButton.addEventListener('click', () => {
      const focused = document.activeElement === moreButton
      const from = rows.length
      moreButton.disabled = true
      status.textContent = 'Loading more…'
      get<Answer>(sitePath(v.site, `breakdown/${d}`), { ...breakdownParams(v), limit: PAGE_SIZE + 1, offset: rows.length })
        .then((r) => {
          const added = r.rows.slice(0, PAGE_SIZE)
          rows.push(...added)
          more = r.rows.length > PAGE_SIZE
          fill()
          moreButton.hidden = !more
          moreButton.disabled = false
          status.textContent = `${added.length} more shown.`
          // The focus stays on "Show more", or goes to the first row it added once there is no more.
          if (focused) (more ? moreButton : [...tbody.rows].slice(from).map((tr) => tr.querySelector('button')).find(Boolean))?.focus()
        })
        .catch((err: unknown) => {
          moreButton.disabled = false
          status.textContent = `Could not load more: ${errorText(err)}`
          if (focused) moreButton.focus()
        })
    })
    moreButton.hidden = !more

    if (!rows.length) return replace(panel.body, empty())
    replace(panel.body,
      h('table', { class: 'rows', 'data-dimension': d },
        h('caption', { class: 'sr-only' }, `${DIMENSION_LABELS[d]} breakdown; choose a row to filter by it`),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, DIMENSION_LABELS[d]), columns.map((c) => h('th', { scope: 'col' }, c.label)))),
        tbody),
      h('div', { class: 'panel-foot' }, moreButton, status))
  }

  function update(v: View) {
    view = v
    const focusedTab = tabs.some((t) => t === document.activeElement)
    dim = chosen(v.state)
    for (const t of tabs) {
      const on = t.dataset.dimension === dim
      t.setAttribute('aria-selected', String(on))
      t.tabIndex = on ? 0 : -1
      if (on && focusedTab) t.focus()
    }
    if (tablist) panel.body.setAttribute('aria-labelledby', `tab-${dim}`)
    const d = dim
    const params = breakdownParams(v)
    panel.setDownload({ path: sitePath(v.site, `breakdown/${d}`), params, filename: `${v.site.domain}-${d}.csv` })
    panel.load(`${v.key}#${d}#${v.state.goal ?? ''}`, () => get<Answer>(sitePath(v.site, `breakdown/${d}`), { ...params, limit: PAGE_SIZE + 1, offset: 0 }), (r) => {
      render(v, d, r)
      // A tab panel with nothing to focus ("No data", or rows without a value) is a stop of its own,
      // so that the Tab key after the tabs reaches what it says.
      if (!tablist) return
      if (panel.body.querySelector('button:not([hidden])')) panel.body.removeAttribute('tabindex')
      else panel.body.tabIndex = 0
    })
  }

  return { el: panel.el, update }
}

/** Every breakdown panel. */
export function createBreakdowns() {
  const groups = GROUPS.map(createGroup)
  return {
    els: groups.map((g) => g.el),
    update(v: View) {
      for (const g of groups) g.update(v)
    },
  }
}

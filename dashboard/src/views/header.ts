import { get } from '../api.ts'
import { h, replace, setVar } from '../dom.ts'
import { formatCount } from '../format.ts'
import { errorText } from '../panel.ts'
import { describeRange, PERIOD_LABELS, PERIODS, todayIn, type Period } from '../period.ts'
import type { RealtimeResult, SiteInfo } from '../types.ts'
import { sitePath, type View } from '../view.ts'

const REALTIME_MS = 30_000

/**
 * The top bar: site picker, date range, realtime visitors and sign out. A shared link's view says it
 * is read-only and has no sign out; the admin gets a link to the sites on the start page.
 */
export function createHeader(sites: SiteInfo[], onSignOut: () => void, mode: { shared: boolean; admin: boolean } = { shared: false, admin: false }) {
  let view: View | undefined

  const site = h('select', {
    id: 'site', onchange: () => view?.navigate({ site: site.value, filters: {}, heatmap: undefined }),
  }, sites.map((s) => h('option', { value: s.domain }, s.domain)))

  const period = h('select', {
    id: 'period',
    onchange: () => {
      const p = period.value as Period
      // The days follow in the order of the page: the focus stays here, where the arrow keys that
      // move through the ranges may still be pressed. The chart's interval is kept: a range that
      // does not allow it shows its own, and the next range that does shows it again.
      custom.hidden = p !== 'custom'
      if (p === 'custom') {
        from.value = view?.range.from ?? ''
        to.value = view?.range.to ?? ''
      } else view?.navigate({ period: p, from: undefined, to: undefined })
    },
  }, PERIODS.map((p) => h('option', { value: p }, PERIOD_LABELS[p])))

  const from = h('input', { type: 'date', id: 'from', required: true })
  const to = h('input', { type: 'date', id: 'to', required: true })
  const custom = h(
    'form',
    {
      class: 'custom-range', hidden: true,
      onsubmit: (e: Event) => {
        e.preventDefault()
        if (from.value && to.value) view?.navigate({ period: 'custom', from: from.value, to: to.value })
      },
    },
    h('label', { for: 'from' }, 'From'), from,
    h('label', { for: 'to' }, 'To'), to,
    h('button', { type: 'submit' }, 'Apply'),
  )
  const rangeText = h('p', { class: 'range-text', 'aria-live': 'polite' })
  const realtime = h('p', { class: 'realtime', title: 'Visitors in the last 5 minutes' })

  const el = h(
    'header',
    { class: 'top' },
    h('h1', null, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Tellen'),
    h('div', { class: 'pickers' },
      h('div', { class: 'field' }, h('label', { for: 'site' }, 'Site'), site),
      h('div', { class: 'field' }, h('label', { for: 'period' }, 'Range'), period),
      custom,
      rangeText,
    ),
    realtime,
    mode.shared
      ? h('p', { class: 'shared-badge', title: 'Opened from a shared link: the statistics of this site, read-only' }, 'Shared view · read only')
      : [mode.admin ? h('a', { class: 'admin-link', href: '/' }, 'Sites and snippets') : null,
          h('button', { type: 'button', class: 'link sign-out', onclick: onSignOut }, 'Forget token')],
  )

  // The page scrolls what is focused clear of the bar, whose height changes as it wraps.
  const height = new ResizeObserver(() => setVar(document.documentElement, '--top-height', `${el.offsetHeight}px`))
  height.observe(el)

  let timer: ReturnType<typeof setInterval> | undefined
  const loadRealtime = () => {
    if (!view || document.hidden) return
    const v = view
    const { from: _f, to: _t, ...filters } = v.params
    get<RealtimeResult>(sitePath(v.site, 'realtime'), filters, { fresh: true }).then(
      (r) => {
        if (view !== v) return
        realtime.classList.remove('failed')
        replace(realtime, h('span', { class: 'pulse', 'aria-hidden': 'true' }), h('strong', null, formatCount(r.visitors)),
          ` current visitor${r.visitors === 1 ? '' : 's'}`)
      },
      (err: unknown) => {
        if (view !== v) return
        realtime.classList.add('failed')
        replace(realtime, `Realtime unavailable: ${errorText(err)}`)
      },
    )
  }

  return {
    el,
    update(v: View) {
      view = v
      site.value = v.site.domain
      period.value = v.state.period
      custom.hidden = v.state.period !== 'custom'
      const today = todayIn(v.site.timezone)
      from.max = today
      to.max = today
      if (v.state.period === 'custom') {
        from.value = v.range.from
        to.value = v.range.to
      }
      rangeText.textContent = `${describeRange(v.range)}${v.site.timezone !== 'UTC' ? ` (${v.site.timezone})` : ''}`
      loadRealtime()
      timer ??= setInterval(loadRealtime, REALTIME_MS)
    },
    stop() {
      height.disconnect()
      if (timer) clearInterval(timer)
      timer = undefined
    },
  }
}

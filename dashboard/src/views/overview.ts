import { get } from '../api.ts'
import { h, replace } from '../dom.ts'
import { compareMetric, formatExact, formatMetric, type Change, type Metric } from '../format.ts'
import { createPanel } from '../panel.ts'
import type { SeriesMetric } from '../state.ts'
import type { HonouredResult, OverviewResult } from '../types.ts'
import { sitePath, type View } from '../view.ts'

const CARDS: { metric: Metric; label: string }[] = [
  { metric: 'visitors', label: 'Unique visitors' },
  { metric: 'visits', label: 'Visits' },
  { metric: 'pageviews', label: 'Pageviews' },
  { metric: 'pages_per_visit', label: 'Views per visit' },
  { metric: 'bounce_rate', label: 'Bounce rate' },
  { metric: 'visit_duration', label: 'Visit duration' },
]
const charted = (m: Metric): m is SeriesMetric => m !== 'pages_per_visit'
/** Metrics that are a rate or a mean over visits. */
const PER_VISIT: readonly Metric[] = ['pages_per_visit', 'bounce_rate', 'visit_duration']

/** The overview cards with the change against the previous period; a card picks the chart's metric. */
export function createOverview() {
  const panel = createPanel('Overview', { className: 'overview' })
  const honoured = h('p', { class: 'honoured', hidden: true })
  // The answer's source goes under the cards, beside the Do Not Track count.
  panel.el.append(h('div', { class: 'overview-foot' }, honoured, panel.el.querySelector('.source')))
  let view: View | undefined

  /** Requests not tracked because of DNT or GPC: counted per site, so filters cannot narrow them. */
  const showHonoured = (v: View, counts: HonouredResult) => {
    honoured.hidden = false
    const n = counts.requests
    replace(honoured, h('strong', null, formatExact(n)),
      ` request${n === 1 ? ' was' : 's were'} not tracked because the browser sent Do Not Track or Global Privacy Control.`,
      Object.keys(v.state.filters).length ? ' Counted for the whole site: filters do not apply.' : '')
  }

  const render = (v: View, r: OverviewResult) => {
    // A card that picked the chart's metric is drawn anew: the focus goes to its successor.
    const focused = panel.body.contains(document.activeElement) ? document.activeElement?.closest<HTMLElement>('.card')?.dataset.metric : undefined
    replace(
      panel.body,
      h('ul', { class: 'cards' },
        CARDS.map(({ metric, label }) => {
          const value = r.current[metric]
          // A rate over no visits is not 0: it does not exist, and neither does its change.
          const perVisit = PER_VISIT.includes(metric)
          const none = perVisit && r.current.visits === 0
          const noBase = perVisit && r.previous.visits === 0
          const change: Change = none || noBase ? { text: '–', direction: 'flat', good: undefined } : compareMetric(metric, value, r.previous[metric])
          const content = [
            h('span', { class: 'card-label' }, label),
            h('span', { class: 'card-value', title: Number.isInteger(value) ? formatExact(value) : undefined }, none ? '–' : formatMetric(metric, value)),
            h('span', {
              class: `change ${change.direction} ${change.good === undefined ? '' : change.good ? 'good' : 'bad'}`,
              title: noBase ? 'No visits in the previous period' : `Previous period: ${formatMetric(metric, r.previous[metric])}`,
            }, h('span', { 'aria-hidden': 'true' }, change.direction === 'up' ? '↑ ' : change.direction === 'down' ? '↓ ' : ''),
              h('span', { class: 'sr-only' }, 'Change against the previous period: '), change.text),
          ]
          const selected = charted(metric) && v.state.metric === metric
          return h('li', { class: 'card', 'data-metric': metric },
            charted(metric)
              ? h('button', { type: 'button', 'aria-pressed': String(selected), title: `Show ${label.toLowerCase()} in the chart`, onclick: () => view?.navigate({ metric }) }, content)
              : h('div', null, content))
        })),
    )
    if (focused) panel.body.querySelector<HTMLElement>(`.card[data-metric="${focused}"] button`)?.focus()
  }

  return {
    el: panel.el,
    update(v: View) {
      view = v
      panel.load(`${v.key}#${v.state.metric}`, () => get<OverviewResult>(sitePath(v.site, 'overview'), v.params), (r) => {
        render(v, r)
        showHonoured(v, r.honoured)
      })
    },
  }
}

import { get } from '../api.ts'
import { h, replace } from '../dom.ts'
import { compareMetric, formatExact, formatMetric, type Change, type Metric } from '../format.ts'
import { createPanel } from '../panel.ts'
import type { SeriesMetric } from '../state.ts'
import { addDays, hourIn, todayIn } from '../period.ts'
import type { HonouredResult, OverviewMetrics, OverviewResult, TimeseriesResult } from '../types.ts'
import { sitePath, type View } from '../view.ts'
import { hoursOf, type HourlySeries } from './same-hours.ts'

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

/** What the cards' changes compare: the figures of both sides, and the words for the earlier one. */
interface Compared {
  current: OverviewMetrics
  previous: OverviewMetrics
  against: string
}

/**
 * For a range that is today alone, the change is against the same hours of yesterday, both summed
 * from hourly figures; any other range compares with the period of equal length before it.
 */
async function comparison(v: View, now = new Date()): Promise<Compared | undefined> {
  const today = todayIn(v.site.timezone, now)
  if (v.range.from !== today || v.range.to !== today) return undefined
  const yesterday = addDays(today, -1)
  const hour = hourIn(v.site.timezone, now).slice(11)
  const metrics = ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration'] as const
  const answers = await Promise.all(metrics.map((metric) =>
    get<TimeseriesResult>(sitePath(v.site, 'timeseries'), { ...v.params, from: yesterday, to: today, interval: 'hour', metric })))
  const series = Object.fromEntries(metrics.map((m, i) => [m, answers[i]!.points])) as unknown as HourlySeries
  return { current: hoursOf(series, today, hour), previous: hoursOf(series, yesterday, hour), against: `yesterday until ${hour.slice(0, 2)}:59` }
}

/** The overview cards with the change against the previous period; a card picks the chart's metric. */
export function createOverview() {
  const panel = createPanel('Overview', { className: 'overview' })
  const honoured = h('p', { class: 'honoured', hidden: true })
  const foot = h('p', { class: 'compared', hidden: true })
  // The answer's source goes under the cards, beside the Do Not Track count.
  panel.el.append(h('div', { class: 'overview-foot' }, foot, honoured, panel.el.querySelector('.source')))
  let view: View | undefined

  /** Requests not tracked because of DNT or GPC: counted per site, so filters cannot narrow them. */
  const showHonoured = (v: View, counts: HonouredResult) => {
    const n = counts.requests
    honoured.hidden = n === 0
    if (!n) return
    replace(honoured, h('strong', null, formatExact(n)),
      ` request${n === 1 ? ' was' : 's were'} not tracked because the browser sent Do Not Track or Global Privacy Control.`,
      Object.keys(v.state.filters).length ? ' Counted for the whole site: filters do not apply.' : '')
  }

  const render = (v: View, r: OverviewResult, compared: Compared) => {
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
          const noBase = perVisit && compared.previous.visits === 0
          const change: Change = none || noBase ? { text: '–', direction: 'flat', good: undefined } : compareMetric(metric, compared.current[metric], compared.previous[metric])
          const content = [
            h('span', { class: 'card-label' }, label),
            h('span', { class: 'card-value', title: Number.isInteger(value) ? formatExact(value) : undefined }, none ? '–' : formatMetric(metric, value)),
            h('span', {
              class: `change ${change.direction} ${change.good === undefined ? '' : change.good ? 'good' : 'bad'}`,
              title: noBase ? `No visits ${compared.against}` : `${compared.against[0]!.toUpperCase()}${compared.against.slice(1)}: ${formatMetric(metric, compared.previous[metric])}`,
            }, h('span', { 'aria-hidden': 'true' }, change.direction === 'up' ? '↑ ' : change.direction === 'down' ? '↓ ' : ''),
              h('span', { class: 'sr-only' }, `Change against ${compared.against}: `), change.text),
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
      panel.load(`${v.key}#${v.state.metric}`, async () => {
        const [r, compared] = await Promise.all([get<OverviewResult>(sitePath(v.site, 'overview'), v.params), comparison(v)])
        return { ...r, compared }
      }, (r) => {
        render(v, r, r.compared ?? { current: r.current, previous: r.previous, against: 'the previous period' })
        foot.hidden = r.compared === undefined
        foot.textContent = r.compared ? `Changes compare today with ${r.compared.against.replace('yesterday ', 'yesterday, ')}.` : ''
        showHonoured(v, r.honoured)
      })
    },
  }
}

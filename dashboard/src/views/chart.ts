import uPlot from 'uplot'
import { get } from '../api.ts'
import { h, replace } from '../dom.ts'
import { formatExact, formatMetric } from '../format.ts'
import { createPanel, empty } from '../panel.ts'
import { hourIn, intervalsFor, previousRange, todayIn, type Interval } from '../period.ts'
import { SERIES_METRICS, type SeriesMetric } from '../state.ts'
import type { TimeseriesResult } from '../types.ts'
import { sitePath, type View } from '../view.ts'

export const METRIC_LABELS: Record<SeriesMetric, string> = {
  visitors: 'Unique visitors',
  visits: 'Visits',
  pageviews: 'Pageviews',
  bounce_rate: 'Bounce rate',
  visit_duration: 'Visit duration',
}
const INTERVAL_LABELS: Record<Interval, string> = { hour: 'Hours', day: 'Days', week: 'Weeks', month: 'Months' }

/** A bucket label of the API (`2026-01-05` or `2026-01-05 14:00`, in the site's time zone) as a UTC instant. */
const bucketTime = (bucket: string) => Date.parse(bucket.length > 10 ? `${bucket.replace(' ', 'T')}:00Z` : `${bucket}T00:00:00Z`) / 1000

const DAY_NAMES = new Intl.DateTimeFormat('en-GB', { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' })
const AXIS_DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' })
const AXIS_MONTH = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' })
const MONTH_NAMES = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' })
/** A tick label on the time axis. */
function axisLabel(ts: number, interval: Interval): string {
  const d = new Date(ts * 1000)
  if (interval === 'hour') return d.getUTCHours() === 0 ? AXIS_DAY.format(d) : `${String(d.getUTCHours()).padStart(2, '0')}:00`
  return interval === 'month' ? AXIS_MONTH.format(d) : AXIS_DAY.format(d)
}

/** How a bucket reads in the table under the chart. */
function bucketLabel(bucket: string, interval: Interval): string {
  const d = new Date(bucketTime(bucket) * 1000)
  if (interval === 'hour') return `${DAY_NAMES.format(d)}, ${bucket.slice(11)}`
  if (interval === 'week') return `Week of ${DAY_NAMES.format(d)}`
  if (interval === 'month') return MONTH_NAMES.format(d)
  return DAY_NAMES.format(d)
}

const HOUR_S = 3600
const DAY_S = 86_400
/** Tick steps on the time axis: whole hours, days, weeks or months, never a fraction of the interval. */
const TIME_STEPS: Record<Interval, number[]> = {
  hour: [1, 2, 3, 6, 12].map((n) => n * HOUR_S).concat([1, 2, 7].map((n) => n * DAY_S)),
  day: [1, 2, 3, 7, 14, 28, 56].map((n) => n * DAY_S),
  week: [7, 14, 28, 56, 91].map((n) => n * DAY_S),
  month: [1, 2, 3, 6, 12].map((n) => n * 30 * DAY_S),
}
/** Whole-number tick steps for counts: 1, 2, 5, 10, 20, 50, ... */
const COUNT_STEPS = Array.from({ length: 24 }, (_, i) => [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3))
/** Tick steps for durations in seconds: whole seconds, then whole minutes, then whole hours. */
const DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 18_000, 36_000]

/** A time series, and the one of the period before it when comparing. */
interface Point {
  bucket: string
  /** Null for a rate or a mean in a bucket without visits: there is no such value, rather than 0. */
  value: number | null
}
type Series = Omit<TimeseriesResult, 'points'> & { points: Point[]; previous?: Point[] | undefined; partial: boolean }

/**
 * The points of a range up to now: hours still to come are not drawn (they are not zeros), and the
 * last bucket is partial when the range ends today.
 */
export function pointsSoFar(points: Point[], interval: Interval, rangeTo: string, timeZone: string, now = new Date()): { points: Point[]; partial: boolean } {
  if (rangeTo < todayIn(timeZone, now)) return { points, partial: false }
  if (interval !== 'hour') return { points, partial: points.length > 0 }
  const hour = hourIn(timeZone, now)
  const past = points.filter((p) => p.bucket <= hour)
  return { points: past, partial: past.length > 0 }
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim()

/** The time series: one metric over the range, in hours, days, weeks or months, with its data as a table. */
export function createChart() {
  let view: View | undefined
  const metric = h('select', { id: 'chart-metric', onchange: () => view?.navigate({ metric: metric.value as SeriesMetric }) },
    SERIES_METRICS.map((m) => h('option', { value: m }, METRIC_LABELS[m])))
  const interval = h('select', { id: 'chart-interval', onchange: () => view?.navigate({ interval: interval.value as Interval }) })
  const compare = h('input', { type: 'checkbox', id: 'chart-compare', onchange: () => view?.navigate({ compare: compare.checked }) })
  const controls = h('div', { class: 'controls' },
    h('label', { class: 'check' }, compare, 'Previous period'),
    h('label', { for: 'chart-metric', class: 'sr-only' }, 'Metric'), metric,
    h('label', { for: 'chart-interval', class: 'sr-only' }, 'Interval'), interval)
  const panel = createPanel('Over time', { className: 'chart', controls: [controls] })

  let plot: uPlot | undefined
  let last: { v: View; r: Series } | undefined
  let dataTable: HTMLDetailsElement | undefined
  const plotBox = h('div', { class: 'plot' })
  const resize = new ResizeObserver(() => {
    if (plot && plotBox.clientWidth) plot.setSize({ width: plotBox.clientWidth, height: plot.height })
  })
  resize.observe(plotBox)
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => last && draw(last.v, last.r))

  function draw(v: View, r: Series) {
    last = { v, r }
    plotBox.querySelector('.chart-key')?.remove()
    plot?.destroy()
    plot = undefined
    const m = r.metric
    const label = METRIC_LABELS[m]
    const fmt = (n: number) => formatMetric(m, n)
    const cell = (n: number | null) => (n === null ? '–' : Number.isInteger(n) && m !== 'visit_duration' ? formatExact(n) : fmt(n))
    // The previous period is matched bucket by bucket: its first day under the range's first day.
    const before = r.previous
    const table = h('table', null,
      h('caption', null, `${label} per ${r.interval}`),
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Time'), h('th', { scope: 'col' }, label),
        before ? h('th', { scope: 'col', class: 'previous' }, 'Previous period') : null)),
      h('tbody', null, r.points.map((p, i) =>
        h('tr', { 'data-bucket': p.bucket }, h('th', { scope: 'row' }, bucketLabel(p.bucket, r.interval)),
          h('td', { 'data-value': p.value ?? undefined }, cell(p.value)),
          before ? h('td', { class: 'previous', 'data-value': before[i]?.value ?? undefined, title: before[i] ? bucketLabel(before[i].bucket, r.interval) : undefined }, before[i] ? cell(before[i].value) : '–') : null))))
    // Open or closed as the URL says, whatever the metric or interval the chart is drawn anew for.
    dataTable = h('details', {
      class: 'data-table', open: v.state.table,
      ontoggle: () => view && dataTable?.open !== view.state.table && view.navigate({ table: dataTable!.open }),
    }, h('summary', null, 'Show the data as a table'), table)
    replace(panel.body, r.points.every((p) => !p.value) ? empty() : null, plotBox, dataTable)

    const accent = cssVar('--accent') || '#4f46e5'
    const muted = cssVar('--muted') || '#666'
    const grid = cssVar('--grid') || '#eee'
    const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: '12px system-ui, sans-serif' }
    const few = r.points.length <= 2
    // The bucket still under way is drawn dashed from the last whole one, not as a fall.
    const n = r.points.length
    const partialSeries: uPlot.Series[] = r.partial && n > 1
      ? [{ label: 'So far', stroke: accent, width: 0, paths: () => null, points: { show: true, size: 9, width: 2, fill: cssVar('--surface') || '#fff' }, value: (_u, x) => (x == null ? '–' : fmt(x)) }]
      : []
    const wholeValues = r.points.map((p, i) => (partialSeries.length && i === n - 1 ? null : p.value))
    const partialValues = r.points.map((p, i) => (i === n - 1 ? p.value : null))
    const previousSeries: uPlot.Series[] = before
      ? [{ label: 'Previous period', stroke: muted, width: 1.5, dash: [5, 4], points: { show: false }, value: (_u, n) => (n == null ? '–' : fmt(n)) }]
      : []
    plot = new uPlot(
      {
        width: plotBox.clientWidth || 600,
        height: 260,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        // Room on the right for the last tick's label.
        padding: [12, 28, 0, 0],
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? (m === 'bounce_rate' ? Math.min(1, max * 1.1) : max * 1.1) : 1] } },
        series: [
          { value: (_u, ts) => (ts == null ? '' : bucketLabel(r.points.find((p) => bucketTime(p.bucket) === ts)?.bucket ?? '', r.interval)) },
          {
            label, stroke: accent, width: 2, fill: `${accent}22`, points: { show: few || r.points.length <= 31, size: few ? 8 : 5 },
            value: (_u, n) => (n == null ? '–' : fmt(n)),
          },
          ...partialSeries,
          ...previousSeries,
        ],
        axes: [
          { ...axis, incrs: TIME_STEPS[r.interval], values: (_u, splits) => splits.map((ts) => axisLabel(ts, r.interval)) },
          {
            ...axis, size: m === 'visit_duration' ? 70 : 56,
            ...(m === 'bounce_rate' ? {} : { incrs: m === 'visit_duration' ? DURATION_STEPS : COUNT_STEPS }),
            values: (_u, splits) => splits.map((n) => fmt(n)),
          },
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { live: true },
      },
      [r.points.map((p) => bucketTime(p.bucket)), wholeValues, ...(partialSeries.length ? [partialValues] : []), ...(before ? [r.points.map((_p, i) => before[i]?.value ?? null)] : [])],
      plotBox,
    )
    plot.root.setAttribute('aria-hidden', 'true')
    // The legend is the values under the cursor: it shows while hovering, and a key says what the lines are.
    plotBox.append(h('p', { class: 'chart-key', 'aria-hidden': 'true' },
      h('span', { class: 'key-line' }), label,
      partialSeries.length ? [h('span', { class: 'key-dot' }), r.interval === 'day' ? 'today so far' : `this ${r.interval} so far`] : null,
      before ? [h('span', { class: 'key-line previous' }), 'previous period'] : null))
  }

  return {
    el: panel.el,
    update(v: View) {
      view = v
      metric.value = v.state.metric
      replace(interval, intervalsFor(v.range).map((i) => h('option', { value: i }, INTERVAL_LABELS[i])))
      interval.value = v.interval
      compare.checked = v.state.compare
      if (dataTable) dataTable.open = v.state.table
      const params = { ...v.params, metric: v.state.metric, interval: v.interval }
      panel.setDownload({ path: sitePath(v.site, 'timeseries'), params, filename: `${v.site.domain}-${v.state.metric}-per-${v.interval}.csv` })
      const series = (range: { from: string; to: string }, metric: SeriesMetric = v.state.metric) =>
        get<TimeseriesResult>(sitePath(v.site, 'timeseries'), { ...params, ...range, metric })
      // A bounce rate or a duration is only drawn where there were visits.
      const perVisit = v.state.metric === 'bounce_rate' || v.state.metric === 'visit_duration'
      const points = async (range: { from: string; to: string }): Promise<{ r: TimeseriesResult; points: Point[] }> => {
        const [r, visits] = await Promise.all([series(range), perVisit ? series(range, 'visits') : undefined])
        const had = new Map(visits?.points.map((p) => [p.bucket, p.value]))
        return { r, points: r.points.map((p) => ({ bucket: p.bucket, value: visits && !had.get(p.bucket) ? null : p.value })) }
      }
      panel.load(`${v.key}#${v.state.metric}#${v.interval}#${v.state.compare}`, async (): Promise<Series> => {
        const [current, previous] = await Promise.all([points(v.range), v.state.compare ? points(previousRange(v.range)) : undefined])
        const sofar = pointsSoFar(current.points, v.interval, v.range.to, v.site.timezone)
        return { ...current.r, points: sofar.points, partial: sofar.partial, previous: previous?.points.slice(0, sofar.points.length) }
      }, (r) => draw(v, r))
    },
  }
}

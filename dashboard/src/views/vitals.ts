import { get } from '../api.ts'
import { h, replace, setVar } from '../dom.ts'
import { formatCount, formatMs, formatShare } from '../format.ts'
import { createPanel, empty } from '../panel.ts'
import type { VitalsResult, VitalsRow } from '../types.ts'
import { sitePath, type View } from '../view.ts'

/** Good / needs improvement / poor limits of the Core Web Vitals (web.dev), for rating the p75. */
const THRESHOLDS: Record<string, [number, number]> = {
  lcp: [2500, 4000], inp: [200, 500], cls: [0.1, 0.25], fcp: [1800, 3000], ttfb: [800, 1800],
}
const NAMES: Record<string, string> = {
  lcp: 'Largest Contentful Paint', inp: 'Interaction to Next Paint', cls: 'Cumulative Layout Shift',
  fcp: 'First Contentful Paint', ttfb: 'Time to First Byte', dcl: 'DOM content loaded', load: 'Page load',
}
const ORDER = ['lcp', 'inp', 'cls', 'fcp', 'ttfb', 'dcl', 'load']

const value = (metric: string, n: number) => (metric === 'cls' ? (Math.round(n * 1000) / 1000).toString() : formatMs(n))
const rating = (metric: string, p75: number) => {
  const t = THRESHOLDS[metric]
  if (!t) return undefined
  return p75 <= t[0] ? 'good' : p75 <= t[1] ? 'needs improvement' : 'poor'
}

function vital(r: VitalsRow) {
  const rated = r.good + r.needs_improvement + r.poor
  const rate = rating(r.metric, r.p75)
  const parts: [string, number][] = [['good', r.good], ['ni', r.needs_improvement], ['poor', r.poor]]
  const words: Record<string, string> = { good: 'good', ni: 'needs improvement', poor: 'poor' }
  return h('li', { class: 'vital', 'data-metric': r.metric },
    h('div', { class: 'vital-head' },
      h('span', { class: 'vital-name' }, h('abbr', { title: NAMES[r.metric] ?? r.metric }, r.metric.toUpperCase())),
      h('span', { class: `vital-value ${rate ? rate.replace(' ', '-') : ''}` }, h('span', { class: 'sr-only' }, '75th percentile: '), value(r.metric, r.p75)),
      rate ? h('span', { class: 'vital-rating' }, rate) : null,
      h('span', { class: 'vital-samples' }, `${formatCount(r.samples)} sample${r.samples === 1 ? '' : 's'}`)),
    rated
      ? h('div', { class: 'stack', role: 'img', 'aria-label': parts.map(([k, n]) => `${formatShare(n / rated)} ${words[k]}`).join(', ') },
          parts.map(([k, n]) => {
            const seg = h('span', { class: `seg ${k}`, title: `${words[k]}: ${formatShare(n / rated)} (${n})` })
            setVar(seg, '--share', n / rated)
            return seg
          }))
      : null,
    rated ? h('p', { class: 'stack-legend', 'aria-hidden': 'true' }, parts.map(([k, n]) => h('span', { class: k }, `${formatShare(n / rated)} ${words[k]}`))) : null)
}

/** Web Vitals: the 75th percentile of each metric and its share of good, needs-improvement and poor samples. */
export function createVitals() {
  const panel = createPanel('Web Vitals', { className: 'vitals' })
  return {
    el: panel.el,
    update(v: View) {
      panel.setDownload({ path: sitePath(v.site, 'vitals'), params: v.params, filename: `${v.site.domain}-vitals.csv` })
      panel.load(v.key, () => get<VitalsResult>(sitePath(v.site, 'vitals'), v.params), (r) => {
        const rows = [...r.metrics].filter((m) => m.samples > 0).sort((a, b) => (ORDER.indexOf(a.metric) + 1 || 99) - (ORDER.indexOf(b.metric) + 1 || 99))
        if (!rows.length) return replace(panel.body, empty('No timings for this period.'))
        replace(panel.body, h('p', { class: 'help' }, '75th percentile, and the share of page views rated good, needs improvement and poor.'), h('ul', { class: 'vital-list' }, rows.map(vital)))
      })
    },
  }
}

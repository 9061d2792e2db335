import { get } from '../api.ts'
import { h, replace, setVar } from '../dom.ts'
import { formatCount, formatExact } from '../format.ts'
import { createPanel, empty } from '../panel.ts'
import type { SecurityResult } from '../types.ts'
import { sitePath, type View } from '../view.ts'

/** What each reason of a refused or dropped request means to a site owner. */
export const REASON_LABELS: Record<string, string> = {
  bot: 'Bots and crawlers',
  spam: 'Referrer spam',
  rate_limited: 'Rate limited',
  bad_origin: 'Refused origin',
  invalid: 'Invalid events',
  unknown_site: 'Unknown site',
  too_large: 'Too large',
  unavailable: 'Collector unavailable',
}
const reasonLabel = (reason: string) => REASON_LABELS[reason] ?? reason

/** Networks shown for each reason. */
const NETWORKS = 3

/**
 * What the collector kept out of the statistics for this site: bots, referrer spam, rate limits,
 * refused origins and invalid events per day, the networks behind them (truncated prefixes, never an
 * address), and the requests not tracked for Do Not Track or Global Privacy Control. Filters do not
 * apply: the counts are per site and UTC day.
 */
export function createSecurity() {
  const panel = createPanel('Security', { className: 'security' })
  return {
    el: panel.el,
    update(v: View) {
      const params = { from: v.range.from, to: v.range.to, limit: NETWORKS }
      panel.setDownload({ path: sitePath(v.site, 'security'), params, filename: `${v.site.domain}-security.csv` })
      panel.load(`${v.site.domain}#${v.range.from}#${v.range.to}`, () => get<SecurityResult>(sitePath(v.site, 'security'), params), (r) => {
        const totals = new Map<string, number>()
        for (const d of r.days) totals.set(d.reason, (totals.get(d.reason) ?? 0) + d.count)
        const reasons = [...totals.entries()].sort((a, b) => b[1] - a[1])
        const honoured = r.honoured.requests
        if (!reasons.length && !honoured) return replace(panel.body, empty('Nothing was refused or dropped in this period.'))
        const max = Math.max(1, ...reasons.map(([, n]) => n))
        const days = [...new Set(r.days.map((d) => d.day))].sort()
        const byDay = new Map(r.days.map((d) => [`${d.day}|${d.reason}`, d.count]))
        replace(panel.body,
          reasons.length
            ? h('ul', { class: 'reason-list', 'aria-label': 'Requests kept out of the statistics, by reason' }, reasons.map(([reason, n]) => {
                const networks = r.prefixes.filter((p) => p.reason === reason).slice(0, NETWORKS)
                const item = h('li', { 'data-reason': reason },
                  h('div', { class: 'reason-head' }, h('span', null, reasonLabel(reason)), h('strong', { class: 'num', title: formatExact(n) }, formatCount(n))),
                  h('span', { class: 'bar', 'aria-hidden': 'true' }),
                  networks.length ? h('p', { class: 'help networks' }, 'Most from ', networks.map((p, i) => [i ? ', ' : '', h('code', null, p.ip_prefix), ` (${formatCount(p.count)})`])) : null)
                setVar(item.querySelector<HTMLElement>('.bar')!, '--share', n / max)
                return item
              }))
            : null,
          honoured ? h('p', { class: 'help' }, h('strong', null, formatExact(honoured)), ` request${honoured === 1 ? ' was' : 's were'} not tracked because the browser sent Do Not Track or Global Privacy Control.`) : null,
          days.length
            ? h('details', { class: 'data-table' }, h('summary', null, 'Per day'),
                h('div', { class: 'scroll' }, h('table', null,
                  h('caption', null, 'Requests kept out of the statistics per UTC day'),
                  h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Day'), reasons.map(([reason]) => h('th', { scope: 'col' }, reasonLabel(reason))))),
                  h('tbody', null, days.map((day) => h('tr', null, h('th', { scope: 'row' }, day), reasons.map(([reason]) => h('td', null, formatExact(byDay.get(`${day}|${reason}`) ?? 0)))))))))
            : null,
          h('p', { class: 'help' }, 'Counted per site and UTC day; filters do not apply. Networks are truncated prefixes, never addresses.'))
      })
    },
  }
}

import { h } from '../dom.ts'

/**
 * The dashboard's help: what its figures mean, and what it does not show by design.
 * @example main.append(createHelp())
 */
export function createHelp(): HTMLElement {
  const id = 'help-heading'
  return h('section', { class: 'panel help-panel', 'aria-labelledby': id },
    h('details', null,
      h('summary', null, h('h2', { id }, 'About these figures')),
      h('dl', { class: 'help-list' },
        h('dt', null, 'Visitors'),
        h('dd', null, 'A visitor is a code derived from the day, the site, the network and the browser, with a salt that is deleted after two days. It cannot be followed from one day to the next: the same person on two days counts as two visitors in a range of several days.'),
        h('dt', null, 'Visits, bounces and time on page'),
        h('dd', null, 'A visit ends after 30 minutes without a page view. A bounce is a visit of one page view and no custom event.'),
        h('dt', null, 'Goals and funnels'),
        h('dd', null, 'Goals and funnels are questions asked of the data already kept, so they apply to the past as well. A funnel counts visitors who reach its steps in order within one visit; the conversion rate is against the first step.'),
        h('dt', null, 'Retention cohorts'),
        h('dd', { id: 'help-retention' }, 'There are no retention cohorts, and that is a privacy choice: visitor codes last one day, so nobody, the site owner included, can tell whether a visitor of last week came back this week.'),
        h('dt', null, 'Heatmaps'),
        h('dd', null, 'Clicks and mouse movement are counted in a 10 × 10 grid over the whole page. Nothing of the page is recorded. With “Over the live page” the collector first reads the page’s headers to see whether it may be shown here; if so, the page is loaded as it is now in a sandboxed frame, without your cookies, 1,280 pixels wide and as tall as Tellen’s script on it says, and the grids are drawn over it. A page that does not allow it (X-Frame-Options, Content-Security-Policy frame-ancestors) keeps the neutral frame, and the panel says why.'),
        h('dt', null, 'Panels that cover fewer days'),
        h('dd', null, 'Some filters are answered from the detailed events, which are kept for a shorter time than the aggregates. Such a panel says so when it covers fewer days than asked.'),
        h('dt', null, 'CSV'),
        h('dd', null, 'Each panel’s CSV button downloads the figures it shows, with the same filters and range.'))))
}

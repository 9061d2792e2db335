import { adoptSharedSecret, clearCache, get, isAdmin, isShared, token, whenUnauthorized } from './api.ts'
import { h, replace } from './dom.ts'
import { errorText, renderAfresh, setCoverage } from './panel.ts'
import { todayIn } from './period.ts'
import { keepScrollAcrossReload } from './scroll.ts'
import { parseState, stateQuery, type ViewState } from './state.ts'
import type { SiteInfo, SitesResult } from './types.ts'
import { viewOf, type View } from './view.ts'
import { createBreakdowns } from './views/breakdowns.ts'
import { createChart } from './views/chart.ts'
import { createFilters } from './views/filters.ts'
import { createHeader } from './views/header.ts'
import { createInteractions } from './views/interactions.ts'
import { createOverview } from './views/overview.ts'
import { tokenPrompt } from './views/prompt.ts'
import { createFunnel } from './views/funnel.ts'
import { createGoals } from './views/goals.ts'
import { createHelp } from './views/help.ts'
import { createJourneys } from './views/journeys.ts'
import { createSecurity } from './views/security.ts'
import { createShares } from './views/shares.ts'
import { createCalls, createDownloads, createErrors, createExits, createProperties } from './views/tables.ts'
import { createVitals } from './views/vitals.ts'

const root = document.getElementById('app')!
let stopDashboard: (() => void) | undefined

/** Shows the token prompt; a token that is entered is kept in this tab and the dashboard opens. */
function showPrompt(message?: string) {
  stopDashboard?.()
  stopDashboard = undefined
  document.title = 'Tellen: sign in'
  replace(root, tokenPrompt(message, (t) => {
    token.set(t)
    clearCache()
    void start()
  }))
}

/** A shared link that no longer opens: said plainly, without a token prompt. */
function showShareRefused(message: string) {
  stopDashboard?.()
  stopDashboard = undefined
  document.title = 'Tellen: shared link'
  replace(root, h('main', { id: 'main', class: 'prompt' },
    h('h1', null, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'Tellen'),
    h('p', { class: 'error', role: 'alert' }, `This shared link does not open: ${message}. It may have expired or been revoked; ask for a new one.`)))
}

whenUnauthorized((message) => {
  if (!token.get()) return
  if (isShared()) {
    // Forgotten, so that what was loading stops there and a reload asks for a token again.
    token.clear()
    clearCache()
    return showShareRefused(message)
  }
  token.clear()
  clearCache()
  showPrompt(`The token was not accepted: ${message}. Paste a valid admin or read token.`)
})

/** Loads the sites the token may read and opens the dashboard on the one in the URL (or the first). */
async function start() {
  if (!token.get()) return showPrompt()
  replace(root, h('main', { id: 'main', class: 'prompt' }, h('p', { role: 'status' }, 'Loading sites…')))
  let sites: SiteInfo[]
  try {
    sites = (await get<SitesResult>('sites', {}, { fresh: true })).sites
    if (!Array.isArray(sites)) throw new TypeError('no list of sites')
  } catch (err) {
    if (!token.get()) return // the 401 handler shows the prompt
    replace(root, h('main', { id: 'main', class: 'prompt' },
      h('p', { class: 'error', role: 'alert' }, `Could not load the sites: ${errorText(err)}`),
      h('button', { type: 'button', onclick: () => void start() }, 'Try again')))
    return
  }
  if (!sites.length) {
    replace(root, h('main', { id: 'main', class: 'prompt' }, h('p', { role: 'status' }, 'This token may not read any site yet. Add a site on the ', h('a', { href: '/' }, 'start page'), ', with `tellen sites add`, or set TELLEN_SITES.')))
    return
  }
  openDashboard(sites, await isAdmin())
}

function openDashboard(sites: SiteInfo[], canAdmin: boolean) {
  const shared = isShared()
  const header = createHeader(sites, () => {
    token.clear()
    clearCache()
    showPrompt()
  }, { shared, admin: canAdmin })
  const filters = createFilters()
  const overview = createOverview()
  const chart = createChart()
  const breakdowns = createBreakdowns()
  const vitals = createVitals()
  const interactions = createInteractions()
  const errors = createErrors()
  const downloads = createDownloads()
  const exits = createExits()
  const calls = createCalls()
  const properties = createProperties()
  const goals = createGoals(() => canAdmin)
  const funnel = createFunnel()
  const journeys = createJourneys()
  const security = createSecurity()
  const shares = canAdmin ? createShares() : undefined
  const announce = h('p', { class: 'sr-only', 'aria-live': 'polite' })
  const [pages, sources, locations, tech, events] = breakdowns.els

  replace(root,
    header.el,
    h('main', { id: 'main', tabindex: '-1' },
      filters.el,
      overview.el,
      chart.el,
      h('div', { class: 'panels' },
        pages, sources, goals.el, funnel.el, locations, tech,
        h('div', { class: 'column' }, events, properties.el), journeys.el,
        interactions.el, h('div', { class: 'column' }, vitals.el, calls.el),
        errors.el, downloads.el, security.el, exits.el, shares?.el,
        createHelp())),
    announce)

  const siteOf = (s: ViewState) => sites.find((x) => x.domain === s.site) ?? sites[0]!

  const render = (state: ViewState) => {
    const site = siteOf(state)
    const view: View = viewOf({ ...state, site: site.domain }, site, navigate)
    document.title = `${site.domain} · Tellen`
    setCoverage(view.range, site.events_retention_days, todayIn(site.timezone))
    header.update(view)
    filters.update(view)
    overview.update(view)
    chart.update(view)
    breakdowns.update(view)
    vitals.update(view)
    interactions.update(view)
    errors.update(view)
    exits.update(view)
    calls.update(view)
    properties.update(view)
    goals.update(view)
    funnel.update(view)
    journeys.update(view)
    security.update(view)
    downloads.update(view)
    shares?.update(view)
    return view
  }

  let current = parseState(location.search)
  /** Says how many filters apply when a change, made here or by Back and Forward, changed that number. */
  const announceFilters = (before: number) => {
    const after = Object.keys(current.filters).length
    if (after !== before) announce.textContent = after ? `${after} filter${after === 1 ? '' : 's'} applied.` : 'Filters cleared.'
  }
  function navigate(next: Partial<ViewState>) {
    const before = Object.keys(current.filters).length
    const state = { ...current, ...next }
    // Choosing what is shown already (the chart's metric from its card, the filter of an active row)
    // is no step in the history: Back would seem to do nothing.
    if (stateQuery(state) === stateQuery(current)) return
    current = state
    history.pushState(null, '', `${location.pathname}${stateQuery(current)}`)
    render(current)
    announceFilters(before)
  }
  // The site shown is named in the URL, and stays there as choices are made: a link opens that site
  // whatever order another token lists its sites in.
  const nameSite = (view: View) => {
    if (current.site === view.site.domain) return
    current = { ...current, site: view.site.domain }
    history.replaceState(null, '', `${location.pathname}${stateQuery(current)}`)
  }
  const onPop = () => {
    const before = Object.keys(current.filters).length
    current = parseState(location.search)
    renderAfresh()
    nameSite(render(current))
    announceFilters(before)
  }
  window.addEventListener('popstate', onPop)
  nameSite(render(current))

  stopDashboard = () => {
    header.stop()
    window.removeEventListener('popstate', onPop)
  }
}

// The skip link moves the focus to the statistics without the step in the history that `#main` is.
document.querySelector('a.skip')?.addEventListener('click', (e) => {
  const main = document.getElementById('main')
  if (!main) return
  e.preventDefault()
  main.tabIndex = -1
  main.focus()
})

adoptSharedSecret()
keepScrollAcrossReload()
void start()

/**
 * The start page at `/`: the collector's health, a link to the dashboard, and for the admin the sites
 * that may send events, with the snippet to copy and whether the first pageview has arrived; sites are
 * added and removed here as with `tellen sites`.
 */
import { admin, ApiError, isShared, token } from './api.ts'
import { h, replace } from './dom.ts'
import { errorText } from './panel.ts'
import type { SiteStatus } from './types.ts'

/** While a site waits for its first event, the list is asked again this often. */
const WAITING_POLL_MS = 5000

const sitesSection = document.getElementById('sites')!
const health = document.getElementById('health')!

interface Readiness {
  status: string
  clickhouse?: string
  spool?: string
  migrations?: string
}

async function showHealth() {
  try {
    const res = await fetch('/readyz', { cache: 'no-store' })
    const r = (await res.json()) as Readiness
    const words: Record<string, string> = {
      ready: 'Running and ready: events are accepted and stored.',
      degraded: 'Running, but the database does not answer: events wait on disk and are written when it is back.',
      'not ready': 'Not ready: events are refused for now.',
    }
    health.className = `health ${r.status.replace(' ', '-')}`
    replace(health, h('span', { class: 'dot', 'aria-hidden': 'true' }), words[r.status] ?? r.status,
      r.status !== 'ready' ? ` (database ${r.clickhouse ?? '?'}, spool ${r.spool ?? '?'}, migrations ${r.migrations ?? '?'})` : '')
  } catch {
    health.className = 'health not-ready'
    replace(health, 'The collector did not answer.')
  }
}

/** The script tag of a site, loading the script from this collector. */
export const snippet = (domain: string, origin = location.origin) => `<script defer src="${origin}/t.js" data-site="${domain}"></script>`

function signInForm(message?: string) {
  const input = h('input', { id: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-describedby': 'token-help' })
  return h('form', {
    class: 'prompt-form home-sign-in',
    onsubmit: (e: Event) => {
      e.preventDefault()
      if (!input.value.trim()) return
      token.set(input.value.trim())
      void showSites()
    },
  },
  h('label', { for: 'token' }, 'Admin token'),
  input,
  h('p', { id: 'token-help', class: 'help' }, 'Sign in with the admin token (printed at the first start, also in DATA_DIR/admin-token) to see the sites, their snippets and whether their first event has arrived. It is kept in this tab only.'),
  message ? h('p', { class: 'error', role: 'alert' }, message) : null,
  h('button', { type: 'submit', class: 'primary' }, 'Show the sites'))
}

let timer: ReturnType<typeof setTimeout> | undefined

function siteItem(site: SiteStatus) {
  const code = snippet(site.domain)
  const copy = h('button', {
    type: 'button', class: 'copy',
    onclick: () => {
      navigator.clipboard?.writeText(code).then(() => (copy.textContent = 'Copied'), () => (copy.textContent = 'Select and copy the text'))
    },
  }, 'Copy')
  const waiting = site.first_pageview_hour === null
  return h('li', { class: 'site', 'data-site': site.domain },
    h('div', { class: 'site-head' },
      h('h3', null, site.domain),
      h('span', { class: `arrival ${waiting ? 'waiting' : 'arrived'}`, role: 'status' },
        waiting ? 'Waiting for the first event' : `Receiving events since ${site.first_pageview_hour!.slice(0, 13)}:00 UTC`),
      h('a', { href: `/dashboard?site=${encodeURIComponent(site.domain)}` }, 'Dashboard'),
      site.origin === 'registered'
        ? h('button', { type: 'button', class: 'link remove', 'aria-label': `Remove ${site.domain}`, onclick: () => removeSite(site.domain) }, 'Remove')
        : h('span', { class: 'help', title: 'Listed in TELLEN_SITES: remove it there' }, 'from TELLEN_SITES')),
    h('p', { class: 'help' }, `Time zone ${site.timezone}. Add this to every page of ${site.domain}:`),
    h('div', { class: 'snippet' }, h('code', null, code), copy))
}

function removeSite(domain: string) {
  if (!confirm(`Remove ${domain}? Its events are refused from now on; what was collected stays.`)) return
  admin(`sites/${encodeURIComponent(domain)}`, 'DELETE').then(() => showSites(), (err: unknown) => showSites(`${domain} was not removed: ${errorText(err)}`))
}

function addForm() {
  const status = h('p', { class: 'form-status', role: 'status' })
  const domain = h('input', { id: 'site-domain', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'example.com' })
  const timezone = h('input', { id: 'site-timezone', autocomplete: 'off', spellcheck: 'false', placeholder: 'UTC', value: Intl.DateTimeFormat().resolvedOptions().timeZone })
  return h('form', {
    class: 'add-site',
    onsubmit: (e: Event) => {
      e.preventDefault()
      status.textContent = ''
      admin('sites', 'POST', { domain: domain.value.trim(), timezone: timezone.value.trim() || 'UTC' }).then(
        () => {
          domain.value = ''
          status.textContent = 'Site added.'
          void showSites()
        },
        (err: unknown) => (status.textContent = `The site was not added: ${errorText(err)}`))
    },
  },
  h('h3', null, 'Add a site'),
  h('div', { class: 'form-grid' },
    h('label', { for: 'site-domain' }, 'Domain'), domain,
    h('label', { for: 'site-timezone' }, 'Time zone'), timezone),
  h('p', { class: 'help' }, 'Days are cut in the site’s time zone (an IANA name such as Europe/Amsterdam).'),
  h('button', { type: 'submit', class: 'primary' }, 'Add site'),
  status)
}

const listBox = h('div', { class: 'site-box' })
let built = false

/** Shows the sites (or the sign-in form); the form to add a site is drawn once, the list on every poll. */
async function showSites(message?: string) {
  clearTimeout(timer)
  const heading = h('h2', { id: 'sites-heading' }, 'Sites')
  if (!token.get() || isShared()) {
    built = false
    return replace(sitesSection, heading, signInForm())
  }
  let sites: SiteStatus[]
  try {
    sites = (await admin<{ sites: SiteStatus[] }>('sites/status')).sites
  } catch (err) {
    built = false
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
      token.clear()
      return replace(sitesSection, heading, signInForm(`That token may not manage sites: ${err.message}.`))
    }
    return replace(sitesSection, heading, h('p', { class: 'error', role: 'alert' }, `Could not load the sites: ${errorText(err)}`))
  }
  if (!built) {
    built = true
    replace(sitesSection, heading, listBox, addForm(),
      h('button', { type: 'button', class: 'link', onclick: () => { token.clear(); void showSites() } }, 'Forget token'))
  }
  replace(listBox,
    message ? h('p', { class: 'error', role: 'alert' }, message) : null,
    sites.length ? h('ul', { class: 'site-list' }, sites.map(siteItem)) : h('p', { class: 'empty' }, 'No site yet: add the first one below.'))
  if (sites.some((s) => s.first_pageview_hour === null)) timer = setTimeout(() => void showSites(), WAITING_POLL_MS)
}

void showHealth()
void showSites()

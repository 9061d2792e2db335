import { admin, ApiError } from '../api.ts'
import { h, replace } from '../dom.ts'
import { createPanel, empty, errorText } from '../panel.ts'
import { todayIn } from '../period.ts'
import type { CreatedShare, SharesList } from '../types.ts'
import type { View } from '../view.ts'

const dateTime = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC', timeZoneName: 'short' })

/**
 * Shared links (admin only): a read-only view of one site whose secret travels in the URL fragment,
 * optionally expiring, listed and revocable. The full link is shown once, when it is created.
 */
export function createShares() {
  let view: View | undefined
  const panel = createPanel('Shared links', { className: 'shares' })
  const expires = h('input', { type: 'date', id: 'share-expires', name: 'expires' })
  const created = h('div', { class: 'share-created', role: 'status' })
  const form = h('form', {
    class: 'share-form',
    onsubmit: (e: Event) => {
      e.preventDefault()
      const v = view
      if (!v) return
      const body: Record<string, string> = { site: v.site.domain }
      if (expires.value) body.expires_at = `${expires.value}T23:59:59Z`
      created.textContent = 'Creating…'
      admin<CreatedShare>('shares', 'POST', body).then(
        (share) => {
          const url = new URL(share.url, location.origin).toString()
          const field = h('input', { id: 'share-url', class: 'share-url', readonly: true, value: url, spellcheck: 'false' })
          const copy = h('button', {
            type: 'button',
            onclick: () => {
              field.select()
              navigator.clipboard?.writeText(url).then(() => (copy.textContent = 'Copied'), () => document.execCommand('copy'))
            },
          }, 'Copy')
          replace(created, h('label', { for: 'share-url' }, 'The link (shown only now; anyone who has it can read this site’s statistics):'),
            h('div', { class: 'form-row' }, field, copy))
          void list(v)
        },
        (err: unknown) => replace(created, h('span', { class: 'error' }, `The link was not created: ${errorText(err)}`)),
      )
    },
  },
  h('p', { class: 'help' }, 'A shared link opens this site’s dashboard read-only, without a token prompt. Its secret is in the part after #, which browsers never send to a server.'),
  h('div', { class: 'form-row' },
    h('label', { for: 'share-expires' }, 'Expires (optional)'), expires,
    h('button', { type: 'submit', class: 'primary' }, 'Create a shared link')),
  created)
  const listed = h('div', { class: 'share-list' })
  replace(panel.body, form, listed)

  async function list(v: View) {
    try {
      const r = await admin<SharesList>('shares', 'GET', undefined, { site: v.site.domain })
      const mine = r.shares.filter((s) => s.site === v.site.domain)
      if (!mine.length) return replace(listed, empty('No shared links for this site.'))
      replace(listed, h('table', { class: 'data' },
        h('caption', { class: 'sr-only' }, 'Shared links of this site'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Link'), h('th', { scope: 'col' }, 'Created'), h('th', { scope: 'col' }, 'Expires'), h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', null, mine.map((s) => h('tr', { 'data-share': s.id },
          h('th', { scope: 'row' }, h('code', null, s.id)),
          h('td', null, dateTime.format(new Date(s.created_at))),
          h('td', null, s.expires_at ? `${dateTime.format(new Date(s.expires_at))}${s.expired ? ' (expired)' : ''}` : 'Never'),
          h('td', null, h('button', {
            type: 'button', class: 'link', 'aria-label': `Revoke the shared link ${s.id}`,
            onclick: () => admin(`shares/${encodeURIComponent(s.id)}`, 'DELETE').then(() => list(v), (err: unknown) => replace(created, h('span', { class: 'error' }, `Not revoked: ${errorText(err)}`))),
          }, 'Revoke')))))))
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) {
        form.hidden = true
        return replace(listed, empty('This collector does not offer shared links yet.'))
      }
      replace(listed, h('p', { class: 'error' }, `Could not list the shared links: ${errorText(err)}`))
    }
  }

  return {
    el: panel.el,
    update(v: View) {
      const changed = view?.site.domain !== v.site.domain
      view = v
      expires.min = todayIn(v.site.timezone)
      if (changed) {
        replace(created)
        void list(v)
      }
    },
  }
}

import { admin, ApiError, clearCache, get } from '../api.ts'
import { h, replace } from '../dom.ts'
import { formatCount, formatExact, formatShare } from '../format.ts'
import { createPanel, empty, errorText } from '../panel.ts'
import type { Goal, GoalsResult } from '../types.ts'
import { sitePath, type View } from '../view.ts'

/** What a goal counts, in words: `page /signup/*` or `event signup (plan = pro)`. */
export function goalTarget(g: Pick<Goal, 'page' | 'event' | 'property'>): string {
  if (g.page !== undefined) return `page ${g.page}`
  return `event ${g.event ?? ''}${g.property ? ` (${g.property.key} = ${g.property.value})` : ''}`
}

/** The message shown when the collector has no goals API (404), instead of an error. */
const UNAVAILABLE = 'This collector does not answer goals yet.'

/**
 * The goals panel: each goal's converted visitors, conversion rate and events; choosing a goal adds a
 * conversion column to every breakdown. The admin defines and removes goals here.
 */
export function createGoals(canEdit: () => boolean) {
  let view: View | undefined
  const panel = createPanel('Goals', { className: 'goals' })
  const formStatus = h('p', { class: 'form-status', role: 'status' })
  const name = h('input', { id: 'goal-name', name: 'name', required: true, maxlength: 100, autocomplete: 'off' })
  const kind = h('select', { id: 'goal-kind', name: 'kind', onchange: () => showKind() },
    h('option', { value: 'page' }, 'Page visited'), h('option', { value: 'event' }, 'Custom event'))
  const target = h('input', { id: 'goal-target', name: 'target', required: true, autocomplete: 'off', placeholder: '/signup/*', spellcheck: 'false' })
  const targetLabel = h('label', { for: 'goal-target' }, 'Page pattern')
  const propKey = h('input', { id: 'goal-prop-key', name: 'property', autocomplete: 'off', spellcheck: 'false', placeholder: 'plan' })
  const propValue = h('input', { id: 'goal-prop-value', name: 'value', autocomplete: 'off', spellcheck: 'false', placeholder: 'pro' })
  const property = h('div', { class: 'goal-property', hidden: true },
    h('label', { for: 'goal-prop-key' }, 'Property (optional)'), propKey,
    h('label', { for: 'goal-prop-value' }, 'Value'), propValue)
  const showKind = () => {
    const isEvent = kind.value === 'event'
    targetLabel.textContent = isEvent ? 'Event name' : 'Page pattern'
    target.placeholder = isEvent ? 'signup' : '/signup/*'
    property.hidden = !isEvent
  }
  const form = h('form', {
    class: 'goal-form',
    onsubmit: (e: Event) => {
      e.preventDefault()
      const v = view
      if (!v) return
      const body: Record<string, unknown> = { site: v.site.domain, name: name.value.trim() }
      if (kind.value === 'page') body.page = target.value.trim()
      else {
        body.event = target.value.trim()
        if (propKey.value.trim()) body.property = { key: propKey.value.trim(), value: propValue.value }
      }
      formStatus.textContent = 'Saving…'
      formStatus.classList.remove('error')
      admin<Goal>('goals', 'POST', body).then(
        (goal) => {
          formStatus.textContent = `Goal “${goal.name}” defined.`
          form.reset()
          showKind()
          clearCache()
          refresh()
        },
        (err: unknown) => {
          formStatus.textContent = `The goal was not saved: ${errorText(err)}`
          formStatus.classList.add('error')
        },
      )
    },
  },
  h('h3', null, 'Define a goal'),
  h('div', { class: 'form-grid' },
    h('label', { for: 'goal-name' }, 'Name'), name,
    h('label', { for: 'goal-kind' }, 'Counts'), kind,
    targetLabel, target),
  property,
  h('p', { class: 'help' }, 'A page pattern is a path, exact (/pricing) or with * for any part (/signup/*). Goals are questions, not tags: they count the past too.'),
  h('button', { type: 'submit', class: 'primary' }, 'Add goal'),
  formStatus)
  const editor = h('div', { class: 'goal-editor', hidden: true }, form)
  panel.el.append(editor)

  const remove = (v: View, g: GoalsResult['goals'][number]) => {
    if (!confirm(`Remove the goal “${g.name}”? Its figures are computed from the data, which stays.`)) return
    admin(`goals/${encodeURIComponent(g.id)}`, 'DELETE').then(
      () => {
        clearCache()
        if (v.state.goal === g.id) v.navigate({ goal: undefined })
        else refresh()
      },
      (err: unknown) => {
        formStatus.textContent = `The goal was not removed: ${errorText(err)}`
      },
    )
  }

  const render = (v: View, r: GoalsResult) => {
    if (!r.goals.length) {
      return replace(panel.body, empty(canEdit() ? 'No goals yet: define one below.' : 'No goals are defined for this site.'))
    }
    replace(panel.body,
      h('div', { class: 'scroll' }, h('table', { class: 'data goals-table' },
        h('caption', { class: 'sr-only' }, `Goals; ${formatExact(r.visitors)} visitors in this period`),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Goal'),
          h('th', { scope: 'col', class: 'num' }, 'Visitors'),
          h('th', { scope: 'col', class: 'num' }, 'Conversion'),
          h('th', { scope: 'col', class: 'num' }, 'Events'),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', null, r.goals.map((g) => {
          const chosen = v.state.goal === g.id
          return h('tr', { 'data-goal': g.id },
            h('th', { scope: 'row' },
              h('button', {
                type: 'button', class: 'row-value row-filter goal-choice', 'aria-pressed': String(chosen),
                title: chosen ? 'Conversions of this goal are shown in the breakdowns' : 'Show conversions of this goal in the breakdowns',
                onclick: () => v.navigate({ goal: chosen ? undefined : g.id }),
              }, h('span', { class: 'label' }, g.name), h('span', { class: 'code' }, goalTarget(g)))),
            h('td', { class: 'num', title: formatExact(g.visitors) }, formatCount(g.visitors)),
            h('td', { class: 'num', 'data-column': 'conversion_rate' }, formatShare(g.conversion_rate)),
            h('td', { class: 'num', title: formatExact(g.events) }, formatCount(g.events)),
            h('td', { class: 'actions' }, canEdit()
              ? h('button', { type: 'button', class: 'link', 'aria-label': `Remove the goal ${g.name}`, onclick: () => remove(v, g) }, 'Remove')
              : null))
        })))),
      h('p', { class: 'help' }, 'Conversion: the share of the period’s visitors who reached the goal. Choose a goal to see its conversions in every breakdown.'))
  }

  let refresh = () => {}
  return {
    el: panel.el,
    update(v: View) {
      view = v
      editor.hidden = !canEdit()
      const params = { ...v.params }
      panel.setDownload({ path: sitePath(v.site, 'goals'), params, filename: `${v.site.domain}-goals.csv` })
      const load = (key: string) => panel.load(key, () => get<GoalsResult>(sitePath(v.site, 'goals'), params).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return { source: '', visitors: 0, goals: [], unavailable: true }
        throw err
      }), (r) => {
        if ('unavailable' in r) {
          editor.hidden = true
          panel.setDownload(undefined)
          return replace(panel.body, empty(UNAVAILABLE))
        }
        render(v, r)
      })
      let generation = 0
      refresh = () => load(`${v.key}#${v.state.goal ?? ''}#${++generation}`)
      load(`${v.key}#${v.state.goal ?? ''}`)
    },
  }
}

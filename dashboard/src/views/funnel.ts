import { ApiError, get } from '../api.ts'
import { h, replace, setVar } from '../dom.ts'
import { formatCount, formatDuration, formatExact, formatShare } from '../format.ts'
import { createPanel, empty, errorText } from '../panel.ts'
import type { FunnelResult } from '../types.ts'
import { sitePath, type View } from '../view.ts'

/** A funnel has between these many steps, as the API accepts. */
export const MIN_STEPS = 2
export const MAX_STEPS = 8

/**
 * The steps of a funnel as the URL and the API hold them, one per comma: a page pattern or
 * `event:<name>`. Empty steps are kept, so the API can say which one is empty.
 * @example splitSteps('/,/pricing,event:signup') // ['/', '/pricing', 'event:signup']
 */
export const splitSteps = (steps: string | undefined): string[] => (steps ? steps.split(',').map((s) => s.trim()) : [])

/** How a step reads: `/pricing`, or `Event signup`. */
export const stepLabel = (step: string) => (step.startsWith('event:') ? `Event ${step.slice('event:'.length)}` : step)

const STARTER = ['/', '/pricing']

/**
 * The funnel builder and chart: 2 to 8 steps within one visit, each a page pattern or a custom event;
 * bars show the visitors reaching each step, the drop-off and the conversion from the first step.
 */
export function createFunnel() {
  let view: View | undefined
  const panel = createPanel('Funnel', { className: 'funnel' })
  const list = h('ol', { class: 'steps' })
  const addButton = h('button', { type: 'button', class: 'link', onclick: () => addStep('') }, 'Add a step')
  const formError = h('p', { class: 'error', role: 'alert', hidden: true })

  const inputs = () => [...list.querySelectorAll<HTMLInputElement>('input')]
  function addStep(value: string, focus = true) {
    const n = list.children.length + 1
    const id = `funnel-step-${n}`
    const input = h('input', { id, name: 'step', value, autocomplete: 'off', spellcheck: 'false', placeholder: n === 1 ? '/' : n === 2 ? '/pricing' : 'event:signup' })
    const item = h('li', null,
      h('label', { for: id }, `Step ${n}`), input,
      h('button', {
        type: 'button', class: 'link remove-step', 'aria-label': `Remove step ${n}`,
        onclick: () => {
          item.remove()
          renumber()
        },
      }, 'Remove'))
    list.append(item)
    renumber()
    if (focus) input.focus()
  }
  function renumber() {
    const items = [...list.children] as HTMLElement[]
    items.forEach((li, i) => {
      li.querySelector('label')!.textContent = `Step ${i + 1}`
      li.querySelector('input')!.id = `funnel-step-${i + 1}`
      li.querySelector('label')!.setAttribute('for', `funnel-step-${i + 1}`)
      const remove = li.querySelector<HTMLButtonElement>('.remove-step')!
      remove.setAttribute('aria-label', `Remove step ${i + 1}`)
      remove.hidden = items.length <= MIN_STEPS
    })
    addButton.hidden = items.length >= MAX_STEPS
  }
  const form = h('form', {
    class: 'funnel-form',
    onsubmit: (e: Event) => {
      e.preventDefault()
      const steps = inputs().map((i) => i.value.trim())
      if (steps.some((s) => s.includes(','))) {
        formError.hidden = false
        formError.textContent = 'A step cannot hold a comma.'
        return
      }
      formError.hidden = true
      view?.navigate({ funnel: steps.join(',') })
    },
  },
  h('p', { class: 'help', id: 'funnel-help' }, 'Each step is a page pattern (/pricing, /signup/*) or a custom event written event:name; visitors count when they reach the steps in this order within one visit.'),
  list,
  h('div', { class: 'form-row' }, addButton, h('button', { type: 'submit', class: 'primary' }, 'Show funnel')),
  formError)
  const result = h('div', { class: 'funnel-result' })
  replace(panel.body, form, result)
  // The panel's loading and errors apply to the chart; the builder stays.
  const chartPanel = { body: result }

  /**
   * The URL's steps that the builder was last filled from: steps being added or typed stay while
   * another choice (the range, a filter) draws the dashboard again, and go when the URL's steps change.
   */
  let filledFrom: string | undefined
  const fillForm = (steps: string[]) => {
    const current = inputs().map((i) => i.value.trim()).join(',')
    if (current === steps.join(',') && list.children.length) return
    replace(list)
    for (const s of steps.length ? steps : STARTER) addStep(s, false)
    while (list.children.length < MIN_STEPS) addStep('', false)
  }

  const chart = (r: FunnelResult) => {
    const first = Math.max(1, r.steps[0]?.visitors ?? 0)
    if (!r.steps.length || !r.steps[0]!.visitors) return empty('No visitor reached the first step in this period.')
    return h('ol', { class: 'funnel-chart', 'aria-label': 'Funnel: visitors at each step' }, r.steps.map((s, i) => {
      const bar = h('span', { class: 'funnel-bar', 'aria-hidden': 'true' })
      setVar(bar, '--share', s.visitors / first)
      return h('li', { class: 'funnel-step', 'data-step': s.step },
        h('div', { class: 'funnel-head' },
          h('span', { class: 'funnel-name' }, h('span', { class: 'funnel-index' }, `${i + 1}`), h('code', null, stepLabel(s.step))),
          h('span', { class: 'funnel-visitors', title: formatExact(s.visitors) }, `${formatCount(s.visitors)} visitor${s.visitors === 1 ? '' : 's'}`)),
        bar,
        h('p', { class: 'funnel-meta' },
          h('span', { 'data-column': 'conversion_rate' }, `${formatShare(s.conversion_rate)} of step 1`),
          i > 0 ? h('span', { 'data-column': 'drop_off' }, `${formatCount(s.drop_off)} dropped off`) : null,
          i > 0 && s.median_seconds_from_previous !== null ? h('span', null, `median ${formatDuration(s.median_seconds_from_previous)} after step ${i}`) : null))
    }))
  }

  return {
    el: panel.el,
    update(v: View) {
      view = v
      if (v.state.funnel !== filledFrom || !list.children.length) {
        fillForm(splitSteps(v.state.funnel))
        filledFrom = v.state.funnel
      }
      if (!v.state.funnel) {
        panel.setDownload(undefined)
        replace(result, empty('Choose the steps and show the funnel.'))
        return
      }
      const params = { ...v.params, steps: v.state.funnel }
      panel.setDownload({ path: sitePath(v.site, 'funnel'), params, filename: `${v.site.domain}-funnel.csv` })
      panel.load(`${v.key}#${v.state.funnel}`, () => get<FunnelResult>(sitePath(v.site, 'funnel'), params).catch((err: unknown) => {
        // A definition the API refuses is said beside the builder, in the API's words.
        if (err instanceof ApiError && err.status === 400) return { source: '', steps: [], refused: err.message }
        if (err instanceof ApiError && err.status === 404) return { source: '', steps: [], refused: 'This collector does not answer funnels yet.' }
        return { source: '', steps: [], failed: errorText(err) }
      }), (r) => {
        if ('refused' in r) return replace(chartPanel.body, h('p', { class: 'error funnel-error', role: 'alert' }, `The funnel was refused: ${r.refused}`))
        if ('failed' in r) return replace(chartPanel.body, h('p', { class: 'error', role: 'alert' }, `Could not load the funnel: ${r.failed}`))
        replace(chartPanel.body, chart(r))
      })
    },
  }
}

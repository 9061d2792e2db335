import { h, replace } from '../dom.ts'
import { DIMENSION_LABELS, DIMENSIONS } from '../state.ts'
import type { View } from '../view.ts'
import { valueLabel } from './labels.ts'

/** The active filters as removable chips; every panel uses them. */
export function createFilters() {
  const list = h('ul', { class: 'chips' })
  const el = h('section', { class: 'filters', 'aria-label': 'Filters' }, list)
  return {
    el,
    update(v: View) {
      const active = DIMENSIONS.filter((d) => v.state.filters[d] !== undefined)
      el.hidden = active.length === 0
      replace(
        list,
        active.map((d) => {
          const value = v.state.filters[d]!
          const text = `${DIMENSION_LABELS[d]} is ${valueLabel(d, value)}`
          const remove = () => {
            const filters = { ...v.state.filters }
            delete filters[d]
            v.navigate({ filters })
          }
          return h('li', { class: 'chip', 'data-filter': d },
            h('span', { class: 'chip-text', title: text }, DIMENSION_LABELS[d], ' is ', h('strong', null, valueLabel(d, value))),
            h('button', { type: 'button', 'aria-label': `Remove filter: ${text}`, title: 'Remove filter', onclick: remove }, '×'))
        }),
        active.length > 1
          ? h('li', null, h('button', { type: 'button', class: 'link', onclick: () => v.navigate({ filters: {} }) }, 'Clear all'))
          : null,
      )
    },
  }
}

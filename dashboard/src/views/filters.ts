import { h, replace } from '../dom.ts'
import { DIMENSION_LABELS, DIMENSIONS, type Dimension, type Filters } from '../state.ts'
import type { View } from '../view.ts'
import { valueLabel } from './labels.ts'

/**
 * The active filters as removable chips; every panel uses them. The focus follows a change made from
 * the keyboard or by a click: to the new chip's remove button when a breakdown row adds a filter, to
 * the next chip (or the statistics, when none is left) when a chip is removed.
 */
export function createFilters() {
  const list = h('ul', { class: 'chips' })
  const el = h('section', { class: 'filters', 'aria-label': 'Filters' }, list)
  let shown: Filters = {}
  return {
    el,
    update(v: View) {
      const focused = document.activeElement
      const fromRow = Boolean(focused?.closest('.row-filter'))
      const fromChip = [...list.children].findIndex((li) => li.contains(focused))
      const before = shown
      shown = v.state.filters
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
      const removeButton = (d: Dimension) => list.querySelector<HTMLElement>(`.chip[data-filter="${d}"] button`)
      const changed = active.find((d) => before[d] !== v.state.filters[d])
      if (fromRow && changed) removeButton(changed)?.focus()
      else if (fromChip >= 0) {
        const next = active[Math.min(fromChip, active.length - 1)]
        const target = next ? removeButton(next) : el.closest<HTMLElement>('main')
        target?.focus()
      }
    },
  }
}

import type { Dimension } from '../state.ts'

const regions = new Intl.DisplayNames(['en'], { type: 'region' })
const languages = new Intl.DisplayNames(['en'], { type: 'language' })

/**
 * How a dimension value reads in the dashboard: country and language names, a word for empty values.
 * @example valueLabel('country', 'NL') // 'Netherlands'
 */
export function valueLabel(d: Dimension, value: string): string {
  if (value === '') return d === 'source' || d === 'referrer' ? 'Direct / none' : '(none)'
  try {
    if (d === 'country' && /^[A-Z]{2}$/.test(value)) return regions.of(value) ?? value
    if (d === 'language') return languages.of(value) ?? value
  } catch {
    // not a code Intl knows: show it as it is
  }
  return value
}

/** A code shown after a value whose label is a name (`NL` after Netherlands), or ''. */
export function valueCode(d: Dimension, value: string): string {
  const label = valueLabel(d, value)
  return label !== value && value !== '' ? value : ''
}

import { describe, expect, it } from 'vitest'
import { valueCode, valueLabel } from './labels.ts'

describe('breakdown value labels', () => {
  it('names countries and languages and keeps their codes beside them', () => {
    expect(valueLabel('country', 'NL')).toBe('Netherlands')
    expect(valueCode('country', 'NL')).toBe('NL')
    expect(valueLabel('language', 'nl-NL')).toBe('Dutch (Netherlands)')
    expect(valueLabel('language', 'en')).toBe('English')
  })

  it('says what an empty value means and leaves other values as they are', () => {
    expect(valueLabel('source', '')).toBe('Direct / none')
    expect(valueLabel('referrer', '')).toBe('Direct / none')
    expect(valueLabel('utm_campaign', '')).toBe('(none)')
    expect(valueLabel('page', '/pricing')).toBe('/pricing')
    expect(valueCode('page', '/pricing')).toBe('')
    expect(valueLabel('country', 'XX')).toBe('XX')
    expect(valueLabel('language', 'not a language tag!')).toBe('not a language tag!')
  })
})

import { describe, expect, it } from 'vitest'
import { splitSteps, stepLabel } from './funnel.ts'
import { goalTarget } from './goals.ts'

describe('funnel steps and goals in words', () => {
  it('splits the steps of the URL one per comma, keeping an empty one for the API to name', () => {
    expect(splitSteps('/,/pricing,event:signup')).toEqual(['/', '/pricing', 'event:signup'])
    expect(splitSteps('/, ,/x')).toEqual(['/', '', '/x'])
    expect(splitSteps(undefined)).toEqual([])
  })

  it('reads a custom event step and a goal the way the panels show them', () => {
    expect(stepLabel('event:signup')).toBe('Event signup')
    expect(stepLabel('/signup/*')).toBe('/signup/*')
    expect(goalTarget({ page: '/signup/*' })).toBe('page /signup/*')
    expect(goalTarget({ event: 'signup', property: { key: 'plan', value: 'pro' } })).toBe('event signup (plan = pro)')
  })
})

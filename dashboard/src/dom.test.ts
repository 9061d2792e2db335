import { describe, expect, it } from 'vitest'
import { visibleControls } from './dom.ts'

describe('dashboard text', () => {
  it('writes bidirectional embeddings, overrides and isolates as escapes', () => {
    const controls = '\u202A\u202B\u202C\u202D\u202E\u2066\u2067\u2068\u2069'
    expect(visibleControls(`a${controls}b`)).toBe('a\\u202A\\u202B\\u202C\\u202D\\u202E\\u2066\\u2067\\u2068\\u2069b')
  })

  it('leaves other text alone, right-to-left scripts and their marks included', () => {
    for (const text of ['/pricing', 'שלום (עולם)', 'مرحبا\u200F!', 'a\\u202Eb']) expect(visibleControls(text)).toBe(text)
  })
})

import { describe, expect, it } from 'vitest'
import { languageTag, timeZoneName } from './locale.ts'

describe('timeZoneName', () => {
  it('keeps an IANA zone the runtime knows, in its own spelling', () => {
    expect(timeZoneName('Europe/Amsterdam')).toBe('Europe/Amsterdam')
    expect(timeZoneName('America/Argentina/Buenos_Aires')).toMatch(/^America\/(Argentina\/)?Buenos_Aires$/)
    expect(timeZoneName('UTC')).toBe('UTC')
    expect(timeZoneName('utc')).toBe('UTC')
    expect(timeZoneName('europe/amsterdam')).toBe('Europe/Amsterdam')
  })

  it('stores anything else as empty: addresses, names, offsets, made-up zones', () => {
    for (const tz of ['jan@example.nl', 'Jan Jansen', '+01:00', '-0500', 'Europe/Nowhere', 'Mars/Olympus', '0612345678', '', 'Europe/Amsterdam\u202e', 'x'.repeat(64), undefined]) {
      expect(timeZoneName(tz)).toBe('')
    }
  })
})

describe('languageTag', () => {
  it('keeps a canonical tag reduced to language and region', () => {
    expect(languageTag('nl')).toBe('nl')
    expect(languageTag('nl-NL')).toBe('nl-NL')
    expect(languageTag('EN-us')).toBe('en-US')
    expect(languageTag('zh-Hant-TW')).toBe('zh-TW')
    expect(languageTag('de-DE-u-co-phonebk')).toBe('de-DE')
    expect(languageTag('es-419')).toBe('es-419')
    expect(languageTag('sr-Latn')).toBe('sr')
    // Private-use and extension parts, where a page could put a name, are dropped.
    expect(languageTag('nl-NL-x-jan')).toBe('nl-NL')
  })

  it('stores anything else as empty: addresses, names, private tags, unknown languages', () => {
    for (const lang of ['jan@example.nl', 'jansen', 'Jan Jansen', 'x-private', 'qaa', '0612345678', 'zz-ZZ', '', 'nl\u200b', undefined]) {
      expect(languageTag(lang)).toBe('')
    }
  })
})

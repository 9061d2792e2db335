import { describe, expect, it } from 'vitest'
import { UA } from '../../../test/helpers/collector.ts'
import { cachedUserAgentChars, parseUserAgent } from './user-agent.ts'

describe('parseUserAgent', () => {
  it.each([
    [UA.chromeMac, { bot: false, browser: 'Chrome', browserVersion: '124', os: 'Mac OS', osVersion: '10.15', device: 'desktop' }],
    [UA.firefoxWindows, { bot: false, browser: 'Firefox', browserVersion: '125', os: 'Windows', osVersion: '10', device: 'desktop' }],
    [UA.safariIphone, { bot: false, browser: 'Mobile Safari', browserVersion: '17', os: 'iOS', osVersion: '17', device: 'mobile' }],
    [UA.chromeAndroidTablet, { bot: false, browser: 'Chrome', browserVersion: '124', os: 'Android', osVersion: '13', device: 'tablet' }],
  ])('reads names and major versions of %s', (ua, expected) => {
    expect(parseUserAgent(ua)).toEqual(expected)
  })

  it.each([
    UA.googlebot,
    UA.curl,
    'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
    'python-requests/2.31.0',
    '',
  ])('recognises %j as a bot', (ua) => {
    expect(parseUserAgent(ua).bot).toBe(true)
  })

  it('answers a repeated user agent from its cache with the same result', () => {
    expect(parseUserAgent(UA.firefoxWindows)).toBe(parseUserAgent(UA.firefoxWindows))
  })

  it('remembers no user agent of a size no browser sends, so varied 15 KB headers cannot fill memory', () => {
    const before = cachedUserAgentChars()
    for (let i = 0; i < 2000; i++) {
      expect(parseUserAgent(`${UA.chromeMac} ${'x'.repeat(15_000)}${i}`)).toMatchObject({ browser: 'Chrome', browserVersion: '124' })
    }
    expect(cachedUserAgentChars() - before).toBe(0)
    parseUserAgent(`${UA.firefoxWindows} extra`)
    expect(cachedUserAgentChars() - before).toBe(UA.firefoxWindows.length + 6)
  })
})

import { describe, expect, it } from 'vitest'
import { classifyReferrer } from './referrer.ts'

describe('classifyReferrer', () => {
  it.each([
    ['https://www.google.com/search?q=analytics', 'Google', 'google.com'],
    ['https://www.google.co.uk/', 'Google', 'google.co.uk'],
    ['https://yandex.ru/search/?text=x', 'Yandex', 'yandex.ru'],
    ['https://duckduckgo.com/', 'DuckDuckGo', 'duckduckgo.com'],
    ['https://www.bing.com/search?q=x', 'Bing', 'bing.com'],
    ['https://t.co/abc123', 'X', 't.co'],
    ['https://old.reddit.com/r/webdev/comments/1/', 'Reddit', 'old.reddit.com'],
    ['https://news.ycombinator.com/item?id=4242', 'Hacker News', 'news.ycombinator.com'],
    ['https://l.facebook.com/l.php?u=x', 'Facebook', 'l.facebook.com'],
    ['https://mail.google.com/', 'Gmail', 'mail.google.com'],
    ['https://en.m.wikipedia.org/wiki/Web_analytics', 'Wikipedia', 'en.m.wikipedia.org'],
    ['https://blog.someone.dev/posts/1', 'blog.someone.dev', 'blog.someone.dev'],
    ['android-app://com.slack/', 'com.slack', 'com.slack'],
    ['http://192.168.1.20:8080/dashboard', ':ip', ':ip'],
    ['http://[2001:db8::7]/', ':ip', ':ip'],
    ['http://3232235796/', ':ip', ':ip'],
    ['http://1.2.3.4.example.net/', 'example.net', 'example.net'],
    // Hosts that name a person, a phone number or an id are reduced to their registrable domain.
    ['https://jan-jansen-0612345678.blogspot.com/2024/05/post.html', 'blogspot.com', 'blogspot.com'],
    ['https://3f2b1c9e-8a7d-4c1e-9b2a-1d2e3f4a5b6c.ngrok.io/', 'ngrok.io', 'ngrok.io'],
    ['https://janjansen.github.io/', 'github.io', 'github.io'],
    ['https://a1b2c3d4e5f6.ngrok-free.app/', 'ngrok-free.app', 'ngrok-free.app'],
    ['https://user-48213.example-hosting.nl/', 'example-hosting.nl', 'example-hosting.nl'],
    ['https://shop.example.co.uk/', 'shop.example.co.uk', 'shop.example.co.uk'],
  ])('names the source of %s', (referrer, source, host) => {
    expect(classifyReferrer(referrer, 'example.com')).toEqual({ source, host })
  })

  it('counts no referrer, an unparsable one or the site itself as a direct visit', () => {
    expect(classifyReferrer(undefined, 'example.com')).toEqual({ host: '', source: 'Direct' })
    expect(classifyReferrer('not a url', 'example.com')).toEqual({ host: '', source: 'Direct' })
    expect(classifyReferrer('https://www.example.com/pricing', 'example.com')).toEqual({ host: '', source: 'Direct' })
    expect(classifyReferrer('https://docs.example.com/', 'example.com')).toEqual({ host: '', source: 'Direct' })
    expect(classifyReferrer('http://127.0.0.1:8080/a', '127.0.0.1')).toEqual({ host: '', source: 'Direct' })
  })

  it('prefers the campaign source the site tagged its link with', () => {
    expect(classifyReferrer('https://mail.google.com/', 'example.com', 'newsletter')).toEqual({ host: 'mail.google.com', source: 'newsletter' })
    expect(classifyReferrer(undefined, 'example.com', 'podcast')).toEqual({ host: '', source: 'podcast' })
  })
})

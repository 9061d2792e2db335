import { describe, expect, it } from 'vitest'
import { QUERY_ALLOWLIST } from '../privacy/policy.ts'
import { scrubText } from './scrub.ts'
import { cleanUrl, hostOf } from './url.ts'

const stored = (raw: string, allow?: string[], hashRouting = false) => {
  const u = cleanUrl(raw, { allow: allow ? new Set(allow) : undefined, hashRouting })
  return u && `${u.hostname}${u.path}${u.query ? `?${u.query}` : ''}`
}

// Real-world shapes of URLs that carry personal data, and what Tellen keeps of them.
const CASES: [string, string][] = [
  // Newsletter and mailing links with the subscriber's address
  ['https://example.com/newsletter/unsubscribe/jan.jansen@example.nl', 'example.com/newsletter/unsubscribe/:email'],
  ['https://example.com/unsubscribe/marie%2Bnews%40gmail.com?list=weekly', 'example.com/unsubscribe/:email'],
  ['https://example.com/welcome?email=jan%40example.nl&utm_source=mailchimp&utm_medium=email', 'example.com/welcome?utm_medium=email&utm_source=mailchimp'],
  ['https://example.com/preferences/user-piet@bedrijf.co.uk/edit', 'example.com/preferences/:email/edit'],
  ['https://example.com/lp?utm_source=newsletter&utm_content=jan%40example.nl', 'example.com/lp?utm_content=%3Aemail&utm_source=newsletter'],
  ['https://example.com/subscribe/confirm?mc_eid=8f14e45fce&mc_cid=a1b2c3', 'example.com/subscribe/confirm'],
  // Password resets, e-mail confirmations and magic links
  ['https://example.com/password/reset/4f9d6b2e7a1c8e3f5b0d9a2c6e8f1b3d', 'example.com/password/reset/:token'],
  ['https://example.com/reset-password/eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'example.com/reset-password/:token'],
  ['https://example.com/auth/magic/Xk9aB3QzL8mN2pR7tYw4vC6s', 'example.com/auth/magic/:token'],
  ['https://example.com/verify-email/3f2b1c9e-8a7d-4c1e-9b2a-1d2e3f4a5b6c', 'example.com/verify-email/:id'],
  ['https://example.com/login/callback?code=4/0AbCdEf123&state=xyz', 'example.com/login/callback'],
  ['https://example.com/account/confirm/MTIzNDU2Nzg5MDEyMzQ1Ng/c4ba2f-8e1b7d3a9f0c2e4d6b8a', 'example.com/account/confirm/:token/:token'],
  // Orders, invoices, tickets, customer numbers
  ['https://example.com/orders/100045873/receipt', 'example.com/orders/:number/receipt'],
  ['https://example.com/invoice/INV-2024-00089123.pdf', 'example.com/invoice/INV-:number.pdf'],
  ['https://example.com/track/3SABCD1234567/status', 'example.com/track/3SABCD:number/status'],
  ['https://example.com/support/tickets/7781234', 'example.com/support/tickets/:number'],
  ['https://example.com/customers/0031612345678/profile', 'example.com/customers/:number/profile'],
  // Card and phone numbers in paths
  ['https://example.com/pay/4111-1111-1111-1111/confirm', 'example.com/pay/:number/confirm'],
  ['https://example.com/call/+31%2020%20123%204567', 'example.com/call/:number'],
  ['https://example.com/contact/06-12345678', 'example.com/contact/:number'],
  // Session ids and tracking ids in paths or parameters
  ['https://example.com/shop;jsessionid=0A1B2C3D4E5F6A7B8C9D0E1F2A3B4C5D/cart', 'example.com/shop;jsessionid=:token/cart'],
  ['https://example.com/s/aZ3kP9qW2xL7mN4v/checkout', 'example.com/s/:token/checkout'],
  ['https://example.com/landing?gclid=EAIaIQobChMI8ZqD&fbclid=IwAR2xYz&utm_campaign=spring', 'example.com/landing?utm_campaign=spring'],
  ['https://example.com/?_ga=2.1234567.890123.1700000000-1234567890.1700000000&ref=producthunt', 'example.com/?ref=producthunt'],
  ['https://example.com/r/9b2d4f6a8c0e1a3c5e7f9b1d3f5a7c9e?ref=partner', 'example.com/r/:token?ref=partner'],
  ['https://example.com/users/5f8d0d55b54764421b7156c3/settings', 'example.com/users/:token/settings'],
  ['https://example.com/share/d290f1ee6c544b0190e6d701748f0851', 'example.com/share/:token'],
  ['https://example.com/profile/jan%40example.nl#/settings', 'example.com/profile/:email'],
  // IP addresses: "what is my IP" pages, tools, admin pages
  ['https://example.com/my-ip/81.2.69.14?utm_source=2001:db8:77::5', 'example.com/my-ip/:ip?utm_source=%3Aip'],
  ['https://example.com/tools/whois/2a02:a45a:1c2b:3d4e::1/report', 'example.com/tools/whois/:ip/report'],
  ['https://example.com/admin/unban/ip-203.0.113.7', 'example.com/admin/unban/ip-:ip'],
  // Ordinary paths stay as they are
  ['https://example.com/releases/1.2.3.4.5/notes', 'example.com/releases/1.2.3.4.5/notes'],
  ['https://example.com/docs/Module::Class/12:30:00', 'example.com/docs/Module::Class/12:30:00'],
  ['https://example.com/blog/2024/11/post-title', 'example.com/blog/2024/11/post-title'],
  ['https://example.com/v2/docs', 'example.com/v2/docs'],
  ['https://example.com/blog/2024-11-25-release-notes-for-version-3', 'example.com/blog/2024-11-25-release-notes-for-version-3'],
  ['https://example.com/docs/getting-started/installation-on-windows-11', 'example.com/docs/getting-started/installation-on-windows-11'],
  ['https://example.com/products/iphone-15-pro-max-256gb', 'example.com/products/iphone-15-pro-max-256gb'],
  ['https://example.com/Wiki/Internationalization_And_Localization', 'example.com/Wiki/Internationalization_And_Localization'],
  ['https://example.com/p/12345/red-shoes', 'example.com/p/12345/red-shoes'],
  ['https://example.com/assets/app.min.js', 'example.com/assets/app.min.js'],
  ['https://example.com/pricing?utm_source=google&utm_medium=cpc&utm_term=web+analytics&page=2', 'example.com/pricing?utm_medium=cpc&utm_source=google&utm_term=web%20analytics'],
]

describe('cleanUrl', () => {
  it('keeps 200 characters of a parameter value without cutting an emoji in half', () => {
    const u = cleanUrl(`https://example.com/?utm_source=${'a'.repeat(199)}😀&utm_medium=${'b'.repeat(198)}😀`)
    expect(u?.params.get('utm_source')).toBe('a'.repeat(199))
    expect(u?.params.get('utm_medium')).toBe(`${'b'.repeat(198)}😀`)
    expect(u?.query).toContain('utm_source=aaa')
  })

  it.each(CASES)('keeps only what is not personal of %s', (raw, expected) => {
    expect(stored(raw)).toBe(expected)
  })

  it('has at least 30 real-world cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30)
  })

  it('keeps every default allowlisted parameter and drops the rest', () => {
    const query = [...QUERY_ALLOWLIST, 'email', 'session', 'token'].map((k) => `${k}=v`).join('&')
    const u = cleanUrl(`https://example.com/?${query}`)!
    expect([...u.params.keys()].sort()).toEqual([...QUERY_ALLOWLIST].sort())
  })

  it("keeps a site's own allowlisted parameters, scrubbed", () => {
    expect(stored('https://example.com/search?q=shoes&lang=nl&email=a@b.nl', ['q', 'lang'])).toBe('example.com/search?lang=nl&q=shoes')
    expect(stored('https://example.com/search?q=jan@example.nl', ['q'])).toBe('example.com/search?q=%3Aemail')
  })

  it('scrubs a hash route the same way when the site uses hash routing', () => {
    expect(stored('https://app.example.com/#/users/jan@example.nl/orders/12345678', undefined, true)).toBe('app.example.com/#/users/:email/orders/:number')
  })

  it('keeps the parameters of a hash route only when allowlisted, whether after ? or &', () => {
    const token = 'ya29.a0AfH6SMBx3kQ7yZ2LmN8pQrStUvWxYz0123456789abcdef'
    expect(stored(`https://app.example.com/#/callback&access_token=${token}&state=xyz`, undefined, true)).toBe('app.example.com/#/callback')
    expect(stored('https://app.example.com/#/orders?email=jan@example.nl&utm_source=mail', undefined, true)).toBe('app.example.com/#/orders?utm_source=mail')
    expect(stored('https://app.example.com/#!/search&q=shoes&phone=0612345678', ['q'], true)).toBe('app.example.com/#!/search?q=shoes')
    // The query's own parameter wins over the route's.
    expect(stored('https://app.example.com/?utm_source=news#/x?utm_source=other', undefined, true)).toBe('app.example.com/#/x?utm_source=news')
    // Without hash routing the fragment goes, parameters and all.
    expect(stored('https://app.example.com/#/callback&utm_source=mail')).toBe('app.example.com/')
  })

  it('refuses what is not an http(s) URL', () => {
    expect(cleanUrl('mailto:jan@example.nl')).toBeUndefined()
    expect(cleanUrl('not a url')).toBeUndefined()
  })
})

describe('hostOf', () => {
  it.each([
    ['https://Shop.Example.com', 'shop.example.com'],
    ['https://example.com:8443', 'example.com'],
    ['http://[2001:db8::1]', '[2001:db8::1]'],
    ['https://example.com/path/jan@example.nl?q=1', 'example.com'],
    ['null', ''],
    ['not a url', ''],
    ['', ''],
  ])('reads the host of %j as %j, the first time and the next', (origin, host) => {
    expect(hostOf(origin)).toBe(host)
    expect(hostOf(origin)).toBe(host)
  })
})

describe('scrubText', () => {
  it('leaves words, slugs, dates and short numbers alone', () => {
    for (const s of ['post-title', '2024', '2024-11-25', 'v2', 'README', 'chapter-12', 'iPhoneXS', 'ProductListPage']) expect(scrubText(s)).toBe(s)
  })
})

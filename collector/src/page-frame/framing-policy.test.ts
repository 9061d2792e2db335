import { describe, expect, it } from 'vitest'
import { framingVerdict, parsePolicies } from './framing-policy.ts'

const PAGE = new URL('https://shop.example/pricing')
const DASHBOARD = 'https://stats.example.net'

const verdict = (headers: { xfo?: string[]; csp?: string[] }, ancestor = DASHBOARD, page = PAGE) =>
  framingVerdict({ xFrameOptions: headers.xfo ?? [], contentSecurityPolicy: headers.csp ?? [] }, page, ancestor)
const allowed = { allowed: true }
const refused = (reason: string) => ({ allowed: false, reason })

describe('framingVerdict: X-Frame-Options', () => {
  it('allows a page without X-Frame-Options or frame-ancestors', () => {
    expect(verdict({})).toEqual(allowed)
  })

  it('refuses DENY in any case and with spaces around it', () => {
    expect(verdict({ xfo: ['DENY'] })).toEqual(refused('X-Frame-Options DENY'))
    expect(verdict({ xfo: [' deny '] })).toEqual(refused('X-Frame-Options DENY'))
  })

  it('refuses SAMEORIGIN for a dashboard on another origin and allows it on the page origin', () => {
    expect(verdict({ xfo: ['SAMEORIGIN'] })).toEqual(refused('X-Frame-Options SAMEORIGIN'))
    expect(verdict({ xfo: ['SAMEORIGIN'] }, 'https://shop.example')).toEqual(allowed)
    expect(verdict({ xfo: ['SAMEORIGIN'] }, 'https://shop.example:8443')).toEqual(refused('X-Frame-Options SAMEORIGIN'))
  })

  it('refuses conflicting values, in one header or in two, and allows repeats of one value', () => {
    expect(verdict({ xfo: ['DENY, SAMEORIGIN'] })).toEqual(refused('X-Frame-Options with conflicting values (deny, sameorigin)'))
    expect(verdict({ xfo: ['SAMEORIGIN', 'ALLOWALL'] })).toEqual(refused('X-Frame-Options with conflicting values (sameorigin, allowall)'))
    expect(verdict({ xfo: ['deny', 'DENY'] })).toEqual(refused('X-Frame-Options DENY'))
  })

  it('allows ALLOWALL, the obsolete ALLOW-FROM and unknown words, which browsers ignore', () => {
    expect(verdict({ xfo: ['ALLOWALL'] })).toEqual(allowed)
    expect(verdict({ xfo: ['ALLOW-FROM https://stats.example.net'] })).toEqual(allowed)
    expect(verdict({ xfo: ['nonsense', 'other'] })).toEqual(allowed)
  })
})

describe('framingVerdict: Content-Security-Policy frame-ancestors', () => {
  it("refuses 'none' and an empty list", () => {
    expect(verdict({ csp: ["frame-ancestors 'none'"] })).toEqual(refused("Content-Security-Policy frame-ancestors 'none'"))
    expect(verdict({ csp: ["default-src 'self'; frame-ancestors"] })).toEqual(refused("Content-Security-Policy frame-ancestors 'none'"))
  })

  it("ignores 'none' beside other sources, as browsers do", () => {
    expect(verdict({ csp: ["frame-ancestors 'none' https://stats.example.net"] })).toEqual(allowed)
  })

  it("matches 'self' against the page's own origin only", () => {
    expect(verdict({ csp: ["frame-ancestors 'self'"] })).toEqual(refused("Content-Security-Policy frame-ancestors 'self'"))
    expect(verdict({ csp: ["frame-ancestors 'SELF'"] }, 'https://shop.example')).toEqual(allowed)
    expect(verdict({ csp: ["frame-ancestors 'self'"] }, 'http://shop.example')).toEqual(refused("Content-Security-Policy frame-ancestors 'self'"))
  })

  it('matches a host with or without a scheme, and with the default or a named port', () => {
    expect(verdict({ csp: ['frame-ancestors https://stats.example.net'] })).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors stats.example.net'] })).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors https://STATS.example.net:443'] })).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors https://stats.example.net:8443'] })).toEqual(refused('Content-Security-Policy frame-ancestors https://stats.example.net:8443'))
    expect(verdict({ csp: ['frame-ancestors https://stats.example.net:*'] }, 'https://stats.example.net:8443')).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors https://stats.example.net'] }, 'https://stats.example.net:8443')).toEqual(refused('Content-Security-Policy frame-ancestors https://stats.example.net'))
  })

  it('takes a schemeless host as the page scheme, and http: as http or https', () => {
    expect(verdict({ csp: ['frame-ancestors stats.example.net'] }, 'http://stats.example.net')).toEqual(refused('Content-Security-Policy frame-ancestors stats.example.net'))
    expect(verdict({ csp: ['frame-ancestors http://stats.example.net'] }, 'http://stats.example.net')).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors http://stats.example.net'] })).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors https://stats.example.net'] }, 'http://stats.example.net')).toEqual(refused('Content-Security-Policy frame-ancestors https://stats.example.net'))
  })

  it('matches wildcards: * for any web origin, *.domain for names below it only, and scheme sources', () => {
    expect(verdict({ csp: ['frame-ancestors *'] }, 'http://127.0.0.1:8080')).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors https://*.example.net'] })).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors *.example.net'] })).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors https://*.example.net'] }, 'https://example.net')).toEqual(refused('Content-Security-Policy frame-ancestors https://*.example.net'))
    expect(verdict({ csp: ['frame-ancestors https://*.example.net'] }, 'https://stats.example.network')).toEqual(refused('Content-Security-Policy frame-ancestors https://*.example.net'))
    expect(verdict({ csp: ['frame-ancestors https:'] })).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors https:'] }, 'http://stats.example.net')).toEqual(refused('Content-Security-Policy frame-ancestors https:'))
  })

  it('matches an address exactly, never by a wildcard', () => {
    expect(verdict({ csp: ['frame-ancestors http://127.0.0.1:8080'] }, 'http://127.0.0.1:8080')).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors http://*.0.0.1:8080'] }, 'http://127.0.0.1:8080')).toEqual(refused('Content-Security-Policy frame-ancestors http://*.0.0.1:8080'))
    expect(verdict({ csp: ['frame-ancestors http://[::1]:8080'] }, 'http://[::1]:8080')).toEqual(allowed)
  })

  it('needs every policy with frame-ancestors to match, in one header or in several', () => {
    const both = ["frame-ancestors 'self' https://stats.example.net", "frame-ancestors 'self'"]
    expect(verdict({ csp: both })).toEqual(refused("Content-Security-Policy frame-ancestors 'self'"))
    expect(verdict({ csp: [both.join(', ')] })).toEqual(refused("Content-Security-Policy frame-ancestors 'self'"))
    expect(verdict({ csp: ["default-src 'none'", 'frame-ancestors https://stats.example.net'] })).toEqual(allowed)
  })

  it('takes the first frame-ancestors of a policy and ignores directive names in any case', () => {
    expect(verdict({ csp: ["FRAME-ANCESTORS https://stats.example.net; frame-ancestors 'none'"] })).toEqual(allowed)
  })

  it('decides alone when present: X-Frame-Options is then ignored either way', () => {
    expect(verdict({ xfo: ['DENY'], csp: ['frame-ancestors https://stats.example.net'] })).toEqual(allowed)
    expect(verdict({ xfo: ['ALLOWALL'], csp: ["frame-ancestors 'none'"] })).toEqual(refused("Content-Security-Policy frame-ancestors 'none'"))
    expect(verdict({ xfo: ['DENY'], csp: ["default-src 'self'"] })).toEqual(refused('X-Frame-Options DENY'))
  })

  it('ignores sources a frame-ancestors list cannot hold and paths other than the root', () => {
    expect(verdict({ csp: ["frame-ancestors 'unsafe-inline' 'nonce-abc' data:"] })).toEqual(refused("Content-Security-Policy frame-ancestors 'unsafe-inline' 'nonce-abc' data:"))
    expect(verdict({ csp: ['frame-ancestors https://stats.example.net/'] })).toEqual(allowed)
    expect(verdict({ csp: ['frame-ancestors https://stats.example.net/dashboard'] })).toEqual(refused('Content-Security-Policy frame-ancestors https://stats.example.net/dashboard'))
  })

  it('quotes at most 200 characters of a refusing list', () => {
    const long = `frame-ancestors ${Array.from({ length: 40 }, (_, i) => `https://host${i}.example.org`).join(' ')}`
    const result = verdict({ csp: [long] })
    expect(result.allowed).toBe(false)
    expect(!result.allowed && result.reason.length).toBeLessThanOrEqual('Content-Security-Policy frame-ancestors '.length + 201)
  })
})

describe('parsePolicies', () => {
  it('splits policies by commas and directives by semicolons, skipping empty ones', () => {
    const policies = parsePolicies(["default-src 'self' ;; frame-ancestors  a.example\tb.example , script-src 'none'"])
    expect(policies.map((p) => Object.fromEntries(p))).toEqual([
      { 'default-src': ["'self'"], 'frame-ancestors': ['a.example', 'b.example'] },
      { 'script-src': ["'none'"] },
    ])
  })
})

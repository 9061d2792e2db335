import { Hono } from 'hono'
import { z } from 'zod'
import type { Env, Services } from '../context.ts'
import { framingVerdict } from '../page-frame/framing-policy.ts'
import { fetchPageHead, PAGE_HEAD_LIMITS, PageUnreachableError, RefusedAddressError } from '../page-frame/page-head.ts'
import { MAX_URL_LENGTH } from '../protocol.ts'
import { requireToken } from './auth.ts'

/**
 * Whether the dashboard may show a page of the site in a frame: `allowed`; `refused` by the page's
 * own headers; `unknown` when the page could not be checked. `reason` says why when not allowed.
 */
export interface PageFrameResult {
  page: string
  /** The address the dashboard frames: `https://<site><page>`. */
  url: string
  framing: 'allowed' | 'refused' | 'unknown'
  reason?: string
}

const PARAMS = z.strictObject({
  page: z.string({ error: 'page is required: the path of a page of the site, e.g. page=/pricing' }).max(MAX_URL_LENGTH, `page must be at most ${MAX_URL_LENGTH} characters`),
  origin: z.string({ error: "origin is required: the dashboard's origin, e.g. origin=https://stats.example.com" }).max(MAX_URL_LENGTH, `origin must be at most ${MAX_URL_LENGTH} characters`),
})
/** A space, a control character or a backslash, which a URL parser would drop or turn into a slash. */
const unsafeInPath = (page: string) => [...page].some((ch) => ch <= ' ' || ch === '\u007f' || ch === '\\')

/** Checks that may wait on sites at once; more are answered 429, so a token cannot make the collector flood a site. */
export const MAX_CHECKS_AT_ONCE = 8

class BadRequest extends Error {}

/** The page's address on the site's own https origin, or a BadRequest that says what is wrong with `page`. */
function pageUrl(domain: string, page: string): URL {
  if (!page.startsWith('/')) throw new BadRequest('page must be a path that starts with /, e.g. /pricing')
  if (unsafeInPath(page)) throw new BadRequest('page must not contain spaces, control characters or backslashes')
  const url = new URL(`https://${domain}${page}`)
  if (url.host !== domain) throw new BadRequest(`page must be a path on ${domain}`)
  if (url.search || url.hash || page.includes('?') || page.includes('#')) throw new BadRequest('page must be a path without a query or a fragment')
  return url
}

/** The dashboard's origin as the browser serialises it, or a BadRequest. */
function dashboardOrigin(origin: string): string {
  let parsed: URL | undefined
  try {
    parsed = new URL(origin)
  } catch {
    parsed = undefined
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
    throw new BadRequest("origin must be the dashboard's origin: scheme, host and port only, e.g. https://stats.example.com")
  }
  return origin
}

/** What `pageFrameRoutes` uses of the collector's services. */
export type PageFrameRouteDeps = Pick<Services, 'sites' | 'tokens' | 'config'>

/**
 * `GET /api/stats/:site/page-frame?page=/pricing&origin=https://stats.example.com`: whether the
 * page `https://<site><page>` lets a document of `origin` frame it (X-Frame-Options, CSP
 * frame-ancestors), so that the dashboard draws the heatmaps over the live page or says why not.
 * The collector fetches the page's headers when asked, from the site's registered domain only, on a
 * public address only, and keeps nothing of it.
 */
export function pageFrameRoutes(s: PageFrameRouteDeps): Hono<Env> {
  const app = new Hono<Env>()
  const limits = { ...PAGE_HEAD_LIMITS, pinned: s.config.testPageServer }
  let checking = 0
  app.get('/api/stats/:site/page-frame', requireToken(s, ['admin', 'read']), async (c) => {
    const domain = c.req.param('site').toLowerCase()
    const principal = c.var.principal
    if (principal.kind !== 'admin' && principal.site && principal.site !== domain) {
      return c.json({ error: `this token may only read the site ${principal.site}` }, 403)
    }
    const site = s.sites.get(domain)
    if (!site) return c.json({ error: `site "${domain}" is not registered with this collector` }, 400)
    const { format: _, ...query } = c.req.query()
    const parsed = PARAMS.safeParse(query)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!
      return c.json({ error: issue.code === 'unrecognized_keys' ? `unknown parameter ${issue.keys.map((k) => `"${k}"`).join(', ')}` : issue.message }, 400)
    }
    let url: URL
    let origin: string
    try {
      url = pageUrl(site.domain, parsed.data.page)
      origin = dashboardOrigin(parsed.data.origin)
    } catch (err) {
      if (err instanceof BadRequest) return c.json({ error: err.message }, 400)
      throw err
    }
    const answer = (framing: PageFrameResult['framing'], reason?: string) =>
      c.json({ page: parsed.data.page, url: url.href, framing, ...(reason ? { reason } : {}) } satisfies PageFrameResult)
    if (checking >= MAX_CHECKS_AT_ONCE) {
      return c.json({ error: `${MAX_CHECKS_AT_ONCE} pages are being checked already; try again in a moment` }, 429, { 'Retry-After': '1' })
    }
    checking++
    try {
      const head = await fetchPageHead(url, limits)
      if (head.status < 200 || head.status > 299) return answer('unknown', `the page answered HTTP ${head.status}`)
      const verdict = framingVerdict(head.headers, url, origin)
      return verdict.allowed ? answer('allowed') : answer('refused', verdict.reason)
    } catch (err) {
      if (err instanceof RefusedAddressError) return c.json({ error: err.message }, 400)
      if (err instanceof PageUnreachableError) return answer('unknown', err.message)
      throw err
    } finally {
      checking--
    }
  })
  return app
}

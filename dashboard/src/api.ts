/** The stats API client: the analyst's token, `Authorization: Bearer`, errors that say what went wrong. */

const TOKEN_KEY = 'tellen.token'
const SHARE_KEY = 'tellen.share'

/**
 * The token lives in this tab's sessionStorage only: never a cookie, never localStorage. A shared
 * link's secret is kept apart from it, so that opening a shared view never replaces an analyst's token.
 */
export const token = {
  get: (): string | null => sessionStorage.getItem(SHARE_KEY) ?? sessionStorage.getItem(TOKEN_KEY),
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => {
    sessionStorage.removeItem(TOKEN_KEY)
    sessionStorage.removeItem(SHARE_KEY)
  },
}

/** Whether the dashboard shows a shared link's read-only view. */
export const isShared = (): boolean => sessionStorage.getItem(SHARE_KEY) !== null

/**
 * Takes a shared link's secret out of the address (`#share=<secret>`): it is kept for this tab only,
 * and the address bar, the history and any copy of the address no longer hold it.
 * @example adoptSharedSecret(location) // true when the page was opened from a shared link
 */
export function adoptSharedSecret(loc: Location = location): boolean {
  const secret = new URLSearchParams(loc.hash.slice(1)).get('share')
  if (!secret) return false
  sessionStorage.setItem(SHARE_KEY, secret)
  history.replaceState(history.state, '', `${loc.pathname}${loc.search}`)
  return true
}

/** A failed request: the HTTP status (0 when the collector did not answer) and the API's message. */
export class ApiError extends Error {
  override name = 'ApiError'
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

type Params = Record<string, string | number | undefined>

let onUnauthorized: (message: string) => void = () => {}
/** Called when the API answers 401: the dashboard goes back to the token prompt. */
export function whenUnauthorized(fn: (message: string) => void): void {
  onUnauthorized = fn
}

const cache = new Map<string, { at: number; value: Promise<unknown> }>()
/** Answers are reused for this long, so going back and forth between views is instant. */
const CACHE_MS = 60_000

/** Forgets cached answers (after a token change, or to refresh). */
export const clearCache = () => cache.clear()

const query = (params: Params) => {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v))
  const text = q.toString()
  return text ? `?${text}` : ''
}

/** The URL of a stats API request. */
export function apiUrl(path: string, params: Params = {}): string {
  return `/api/stats/${path}${query(params)}`
}

const authHeaders = (): Record<string, string> => {
  const t = token.get()
  return t ? { Authorization: `Bearer ${t}` } : {}
}

/** The API's message of a refused request, or its status line. */
async function refusal(res: Response): Promise<string> {
  const body: unknown = await res.json().catch(() => undefined)
  const said = body && typeof body === 'object' && 'error' in body ? String((body as { error: unknown }).error) : ''
  return said || `${res.status} ${res.statusText}`.trim()
}

async function request(url: string, init: RequestInit = {}, quiet401 = false): Promise<Response> {
  let res: Response
  try {
    res = await fetch(url, { ...init, headers: { ...authHeaders(), ...(init.headers as Record<string, string> | undefined) }, cache: 'no-store' })
  } catch {
    throw new ApiError(0, 'The collector did not answer; check that it is running')
  }
  if (!res.ok) {
    const message = await refusal(res)
    if (res.status === 401 && !quiet401) onUnauthorized(message)
    throw new ApiError(res.status, message)
  }
  return res
}

async function fetchJson(url: string, init: RequestInit = {}, quiet401 = false): Promise<unknown> {
  const res = await request(url, init, quiet401)
  if (res.status === 204) return undefined
  const text = await res.text()
  try {
    return text ? JSON.parse(text) : undefined
  } catch {
    throw new ApiError(res.status, `the answer from ${url.split('?')[0]} was not JSON`)
  }
}

/**
 * GETs `/api/stats/<path>` with the analyst's token. Answers are cached for a minute unless `fresh`.
 * @example await get<OverviewResult>('example.com/overview', { from: '2026-01-01', to: '2026-01-31' })
 */
export function get<T>(path: string, params: Params = {}, opts: { fresh?: boolean } = {}): Promise<T> {
  const url = apiUrl(path, params)
  const hit = cache.get(url)
  if (!opts.fresh && hit && Date.now() - hit.at < CACHE_MS) return hit.value as Promise<T>
  const value = fetchJson(url).then((body) => {
    if (body === undefined) throw new ApiError(200, `the answer from ${url.split('?')[0]} was not JSON`)
    return body
  })
  cache.set(url, { at: Date.now(), value })
  value.catch(() => cache.delete(url))
  return value as Promise<T>
}

/**
 * Calls the admin API (`/api/admin/<path>`) with the token; a JSON body is sent as JSON. A 401 here
 * means the token is not an admin's and does not end the session.
 * @example await admin('goals', 'POST', { site: 'example.com', name: 'signed up', page: '/signup/*' })
 */
export async function admin<T>(path: string, method = 'GET', body?: unknown, params: Params = {}): Promise<T> {
  const init: RequestInit = body === undefined ? { method } : { method, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }
  return (await fetchJson(`/api/admin/${path}${query(params)}`, init, true)) as T
}

/** Whether the token is the admin token (it may read the admin API; a read token gets 403). */
export async function isAdmin(): Promise<boolean> {
  if (isShared() || !token.get()) return false
  try {
    await fetchJson('/api/admin/sites', {}, true)
    return true
  } catch {
    return false
  }
}

/**
 * Downloads `/api/stats/<path>` as CSV (`format=csv`) with the token, saved under `filename`.
 * @example await downloadCsv('example.com/breakdown/page', { from, to }, 'pages.csv')
 */
export async function downloadCsv(path: string, params: Params, filename: string): Promise<void> {
  const res = await request(apiUrl(path, { ...params, format: 'csv' }))
  const url = URL.createObjectURL(await res.blob())
  const link = Object.assign(document.createElement('a'), { href: url, download: filename, hidden: true })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

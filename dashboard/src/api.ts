/** The stats API client: the analyst's token, `Authorization: Bearer`, errors that say what went wrong. */

const TOKEN_KEY = 'tellen.token'

/** The token lives in this tab's sessionStorage only: never a cookie, never localStorage. */
export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (t: string) => sessionStorage.setItem(TOKEN_KEY, t),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
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

/** The URL of a stats API request. */
export function apiUrl(path: string, params: Params = {}): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v))
  const query = q.toString()
  return `/api/stats/${path}${query ? `?${query}` : ''}`
}

async function fetchJson(url: string): Promise<unknown> {
  const t = token.get()
  let res: Response
  try {
    res = await fetch(url, { headers: t ? { Authorization: `Bearer ${t}` } : {}, cache: 'no-store' })
  } catch {
    throw new ApiError(0, 'The collector did not answer; check that it is running')
  }
  const text = await res.text()
  let body: unknown
  try {
    body = text ? JSON.parse(text) : undefined
  } catch {
    body = undefined
  }
  if (!res.ok) {
    const said = body && typeof body === 'object' && 'error' in body ? String((body as { error: unknown }).error) : ''
    const message = said || `${res.status} ${res.statusText}`.trim()
    if (res.status === 401) onUnauthorized(message)
    throw new ApiError(res.status, message)
  }
  if (body === undefined) throw new ApiError(res.status, `the answer from ${url.split('?')[0]} was not JSON`)
  return body
}

/**
 * GETs `/api/stats/<path>` with the analyst's token. Answers are cached for a minute unless `fresh`.
 * @example await get<OverviewResult>('example.com/overview', { from: '2026-01-01', to: '2026-01-31' })
 */
export function get<T>(path: string, params: Params = {}, opts: { fresh?: boolean } = {}): Promise<T> {
  const url = apiUrl(path, params)
  const hit = cache.get(url)
  if (!opts.fresh && hit && Date.now() - hit.at < CACHE_MS) return hit.value as Promise<T>
  const value = fetchJson(url)
  cache.set(url, { at: Date.now(), value })
  value.catch(() => cache.delete(url))
  return value as Promise<T>
}

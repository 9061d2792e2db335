import type { Exit } from './leave.ts'
import type { Report } from './timing.ts'

/** Property values a custom event may carry (30 at most). */
export type Props = Record<string, string | number | boolean>

/**
 * `tellen('signup', { plan: 'pro' })` sends a custom event; `tellen('pageview')` or
 * `tellen('pageview', { url: '/step-2' })` sends a page view by hand.
 */
export interface TellenApi {
  (name: string, props?: Props & { url?: string }): void
  /** Calls made before the script ran, kept by the embedding snippet. */
  q?: IArguments[]
  /** Takes a timing figure from the Core Web Vitals chunk. */
  t?: Report
  /** Takes a reload or back/forward from the after-load chunk. */
  x?: (exit: Exit) => void
}

type Tellen = Window & { tellen?: TellenApi }

/** Installs `window.tellen` and replays the calls queued before it existed. */
export function installApi(api: TellenApi): void {
  const queued = (self as Tellen).tellen?.q
  ;(self as Tellen).tellen = api
  queued?.map((args) => api(...(args as unknown as Parameters<TellenApi>)))
}

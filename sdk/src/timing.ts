import type { TIMING_METRICS } from '../../collector/src/protocol.ts'
import { onCLS, onFCP, onINP, onLCP } from 'web-vitals'

export type Metric = (typeof TIMING_METRICS)[number]
export type Report = (metric: Metric, value: number) => void

/** Reports TTFB, DOM content loaded and load of the document from Navigation Timing, in ms. */
export function navigationTiming(report: Report): void {
  const n = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined
  if (!n) return
  report('ttfb', n.responseStart)
  report('dcl', n.domContentLoadedEventEnd)
  report('load', n.loadEventEnd)
}

/** Reports the Core Web Vitals FCP, LCP, INP and CLS as the `web-vitals` library measures them. */
export function webVitals(report: Report): void {
  for (const on of [onFCP, onLCP, onINP, onCLS]) on((m) => report(m.name.toLowerCase() as Metric, m.value))
}

/** Web Vitals thresholds, the same as in the rollup view (sql/021): good up to the first, poor above the second. */
export const THRESHOLDS: Record<string, [number, number]> = {
  lcp: [2500, 4000], inp: [200, 500], cls: [0.1, 0.25], fcp: [1800, 3000], ttfb: [800, 1800],
}

/**
 * The good (0) or poor (1) threshold of each event's metric, NaN for metrics without thresholds (so
 * every comparison with it is false). A lookup on the metric name runs once per distinct name, not per
 * event, and the comparisons that follow are plain: the same ratings as the rollup view's nested
 * conditions, for far less work over millions of timing events. Over `name` (the metric) and `value`.
 */
export const ratingThreshold = (i: 0 | 1) => {
  const metrics = Object.keys(THRESHOLDS)
  return `transform(name, [${metrics.map((m) => `'${m}'`).join(', ')}], CAST([${metrics.map((m) => THRESHOLDS[m]![i]).join(', ')}], 'Array(Float64)'), nan)`
}

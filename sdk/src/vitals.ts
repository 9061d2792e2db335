/**
 * The after-load chunk, `/t.vitals.js`: the core script loads it after the load event, so the
 * `web-vitals` library never weighs on the core. It sends Navigation Timing and the Core Web Vitals
 * through the core's `tellen.t`, and tells the core's `tellen.x` when the page reloads or goes back.
 * In the dashboard's heatmap frame, where the core tracks nothing, it only answers the dashboard's
 * question about the page's size.
 */
import { HEATMAP_FRAME_NAME } from '../../collector/src/protocol.ts'
import type { TellenApi } from './api.ts'
import { watchExitType } from './exit-type.ts'
import { answerPageSize } from './page-size.ts'
import { navigationTiming, webVitals, type Report } from './timing.ts'

if ((name as unknown) == HEATMAP_FRAME_NAME) {
  answerPageSize(document.currentScript as HTMLScriptElement)
} else {
  const core = (window as unknown as { tellen: TellenApi }).tellen
  const report: Report = (metric, value) => core.t?.(metric, value)
  navigationTiming(report)
  webVitals(report)
  watchExitType((exit) => core.x?.(exit))
}

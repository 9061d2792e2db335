import { chromium, type Browser } from 'playwright-core'
import { UA } from '../helpers/collector.ts'

/**
 * Launches Debian's Chromium headless. The user agent is set on the command line, not per context:
 * beacons sent while a page unloads leave from the browser process, which ignores a per-context
 * override and would announce "HeadlessChrome" (a bot to the collector).
 * The back/forward cache stays on (Playwright turns it off by default) so tests can prove that
 * pages remain eligible for it.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run',
      `--user-agent=${UA.chromeMac}`,
    ],
    ignoreDefaultArgs: ['--disable-back-forward-cache'],
  })
}

import fs from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type LaunchOptions } from 'playwright-core'
import { UA } from '../helpers/collector.ts'
import { npmChromium } from './npm-chromium.ts'

/** `TELLEN_TEST_BROWSER=npm` takes the browser from npm even where the system has one; `system` refuses the npm one. */
export const BROWSER_SWITCH = 'TELLEN_TEST_BROWSER'

/** Debian's Chromium, and the names other systems give Chromium or Chrome on the PATH. */
const DEBIAN_CHROMIUM = '/usr/bin/chromium'
const SYSTEM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']
/** Debian's Chromium headless shell (package chromium-headless-shell), and its name on the PATH. */
const DEBIAN_HEADLESS_SHELL = '/usr/bin/chromium-headless-shell'
const HEADLESS_SHELL_NAME = 'chromium-headless-shell'

/**
 * What a test needs of the browser: `browser`, Chromium itself, as visitors run it (the SDK's tests:
 * the back/forward cache, beacons as a page is left); `shell`, any Chromium that draws and runs pages
 * (the dashboard's tests), for which the system's headless shell is taken when there is one. The shell
 * is the same engine without the browser around it: the dashboard's test file took 100 s of CPU with
 * it against 163 s with the browser, all its tests passing with both.
 */
export type ChromiumKind = 'browser' | 'shell'

export interface FoundChromium {
  /** `system`: a browser installed on the machine; `npm`: the one the dev dependency brought. */
  source: 'system' | 'npm'
  executablePath: string
  /** The browser's whole environment. */
  env: Record<string, string | undefined>
  /**
   * Chromium's headless shell (the npm browser is one, and so is Debian's chromium-headless-shell),
   * which keeps no page in the back/forward cache.
   */
  headlessShell: boolean
}

const isExecutableFile = (file: string): boolean => {
  try {
    fs.accessSync(file, fs.constants.X_OK)
    return fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** Each of `names` in each folder of the PATH, in the PATH's order. */
const onPath = (env: NodeJS.ProcessEnv, names: readonly string[]): string[] =>
  (env.PATH ?? '').split(path.delimiter).filter(Boolean).flatMap((dir) => names.map((name) => path.join(dir, name)))

/**
 * The system's browser: `CHROMIUM_PATH`, Debian's `/usr/bin/chromium` (`fixedPaths`), then the usual
 * names on the PATH; undefined when there is none.
 *
 * @example
 * systemChromium({ PATH: '/usr/bin' }) // '/usr/bin/chromium' on Debian with the chromium package
 */
export function systemChromium(env: NodeJS.ProcessEnv = process.env, fixedPaths: readonly string[] = [DEBIAN_CHROMIUM]): string | undefined {
  return [env.CHROMIUM_PATH, ...fixedPaths, ...onPath(env, SYSTEM_NAMES)].find((file): file is string => Boolean(file) && isExecutableFile(file!))
}

/**
 * The system's headless shell: Debian's `/usr/bin/chromium-headless-shell` (`fixedPaths`), then
 * `chromium-headless-shell` on the PATH; undefined when there is none, or when `CHROMIUM_PATH` names
 * the browser to use for everything.
 *
 * @example
 * systemHeadlessShell({ PATH: '/usr/bin' }) // '/usr/bin/chromium-headless-shell' with the Debian package
 */
export function systemHeadlessShell(env: NodeJS.ProcessEnv = process.env, fixedPaths: readonly string[] = [DEBIAN_HEADLESS_SHELL]): string | undefined {
  if (env.CHROMIUM_PATH) return undefined
  return [...fixedPaths, ...onPath(env, [HEADLESS_SHELL_NAME])].find(isExecutableFile)
}

/**
 * The browser for the tests: for `shell`, the system's headless shell when there is one (see
 * `systemHeadlessShell`); then the system's browser (see `systemChromium`); otherwise the Chromium of
 * the dev dependency `@sparticuz/chromium`. `TELLEN_TEST_BROWSER=npm` takes that one always.
 *
 * @example
 * const found = await findChromium({ ...process.env, TELLEN_TEST_BROWSER: 'npm' }) // found.source === 'npm'
 */
export async function findChromium(env: NodeJS.ProcessEnv = process.env, kind: ChromiumKind = 'browser'): Promise<FoundChromium> {
  const wanted = env[BROWSER_SWITCH] || undefined
  if (wanted !== undefined && wanted !== 'npm' && wanted !== 'system') throw new Error(`${BROWSER_SWITCH}=${JSON.stringify(wanted)}: use "npm" or "system"`)
  if (wanted !== 'npm') {
    const shell = kind === 'shell' ? systemHeadlessShell(env) : undefined
    if (shell) return { source: 'system', executablePath: shell, env: { ...env }, headlessShell: true }
    const system = systemChromium(env)
    // A shell named by CHROMIUM_PATH is a shell too (Chrome's own is chrome-headless-shell).
    if (system) return { source: 'system', executablePath: system, env: { ...env }, headlessShell: /headless[-_]shell/.test(path.basename(system)) }
    if (wanted === 'system') throw new Error(`${BROWSER_SWITCH}=system, but no Chromium is installed: set CHROMIUM_PATH`)
  }
  const npm = await npmChromium()
  return { source: 'npm', executablePath: npm.executablePath, env: { ...env, ...npm.env }, headlessShell: true }
}

const found = new Map<ChromiumKind, Promise<FoundChromium>>()
/** The browser of this test process for `kind`, found once. */
export function testChromium(kind: ChromiumKind = 'browser'): Promise<FoundChromium> {
  let browser = found.get(kind)
  if (!browser) found.set(kind, (browser = findChromium(process.env, kind)))
  return browser
}

/**
 * Arguments that suit both browsers. The npm browser's own defaults are meant for serverless
 * functions and are left out: `--single-process` keeps pages from the back/forward cache and from
 * their own renderer, `--disable-web-security` would hide the CORS and CSP behaviour under test.
 */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

/**
 * Options for `chromium.launch` with the browser of this test process for `kind` (the headless shell
 * where the system has one, unless the test needs the browser itself).
 *
 * @example
 * const browser = await chromium.launch(await chromiumLaunchOptions({ args: CHROMIUM_ARGS }))
 */
export async function chromiumLaunchOptions(options: LaunchOptions = {}, kind: ChromiumKind = 'shell'): Promise<LaunchOptions> {
  const { executablePath, env } = await testChromium(kind)
  return { ...options, executablePath, env }
}

/**
 * Launches the test browser headless for `kind` (by default Chromium itself, as visitors run it).
 * The user agent is set on the command line, not per context: beacons sent while a page unloads
 * leave from the browser process, which ignores a per-context override and would announce
 * "HeadlessChrome" (a bot to the collector). The back/forward cache stays on (Playwright turns it
 * off by default) so tests can prove that pages remain eligible for it.
 */
export async function launchChromium(kind: ChromiumKind = 'browser'): Promise<Browser> {
  return chromium.launch(
    await chromiumLaunchOptions(
      {
        args: [...CHROMIUM_ARGS, `--user-agent=${UA.chromeMac}`],
        ignoreDefaultArgs: ['--disable-back-forward-cache'],
      },
      kind,
    ),
  )
}

import fs from 'node:fs'
import path from 'node:path'
import { chromium } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { tempDataDir } from '../helpers/collector.ts'
import { CHROMIUM_ARGS, findChromium, systemChromium, systemHeadlessShell } from './chromium.ts'

describe('the browser the tests find', () => {
  it('takes CHROMIUM_PATH first, then the fixed paths, then a usual name on the PATH, and nothing that is not an executable file', () => {
    const dir = tempDataDir('tellen-browsers-')
    const executable = (name: string) => {
      const file = path.join(dir, name)
      fs.writeFileSync(file, '#!/bin/sh\n', { mode: 0o755 })
      return file
    }
    const chrome = executable('google-chrome')
    const mine = executable('my-chromium')
    fs.writeFileSync(path.join(dir, 'chromium'), 'not executable', { mode: 0o644 })
    fs.mkdirSync(path.join(dir, 'chromium-browser'))

    expect(systemChromium({ PATH: dir }, [])).toBe(chrome)
    expect(systemChromium({ PATH: dir, CHROMIUM_PATH: mine }, [])).toBe(mine)
    expect(systemChromium({ PATH: dir, CHROMIUM_PATH: '/nowhere/chromium' }, [mine])).toBe(mine)
    expect(systemChromium({ PATH: '', CHROMIUM_PATH: '/nowhere/chromium' }, ['/nowhere/either'])).toBeUndefined()
  })

  it('takes the headless shell at its fixed path, then on the PATH, for tests that need no more than a shell, unless CHROMIUM_PATH names the browser', async () => {
    const dir = tempDataDir('tellen-browsers-')
    const shell = path.join(dir, 'chromium-headless-shell')
    fs.writeFileSync(shell, '#!/bin/sh\n', { mode: 0o755 })
    const browser = path.join(dir, 'chromium')
    fs.writeFileSync(browser, '#!/bin/sh\n', { mode: 0o755 })

    expect(systemHeadlessShell({ PATH: dir }, [])).toBe(shell)
    expect(systemHeadlessShell({ PATH: '' }, [shell])).toBe(shell)
    expect(systemHeadlessShell({ PATH: '' }, ['/nowhere/chromium-headless-shell'])).toBeUndefined()
    expect(systemHeadlessShell({ PATH: dir, CHROMIUM_PATH: browser }, [shell])).toBeUndefined()
    // The shell for a shell's tests (Debian's where it is installed, else the one on the PATH), the
    // browser for the browser's; CHROMIUM_PATH for both.
    expect(await findChromium({ PATH: dir }, 'shell')).toMatchObject({ source: 'system', executablePath: systemHeadlessShell({ PATH: dir }), headlessShell: true })
    expect(await findChromium({ PATH: dir }, 'browser')).toMatchObject({ source: 'system', executablePath: systemChromium({ PATH: dir }), headlessShell: false })
    expect(await findChromium({ PATH: dir, CHROMIUM_PATH: browser }, 'shell')).toMatchObject({ executablePath: browser, headlessShell: false })
    expect(await findChromium({ PATH: '', CHROMIUM_PATH: shell }, 'browser')).toMatchObject({ executablePath: shell, headlessShell: true })
  })

  it('refuses a value of TELLEN_TEST_BROWSER it does not know, naming the ones it does', async () => {
    await expect(findChromium({ TELLEN_TEST_BROWSER: 'firefox' })).rejects.toThrow('TELLEN_TEST_BROWSER="firefox": use "npm" or "system"')
  })

  it('with TELLEN_TEST_BROWSER=npm and CHROMIUM_PATH pointing nowhere, starts the Chromium that npm brought, with its own libraries', async () => {
    const found = await findChromium({ ...process.env, TELLEN_TEST_BROWSER: 'npm', CHROMIUM_PATH: '/nowhere/chromium' })
    expect(found.source).toBe('npm')
    expect(found.executablePath).toContain(path.join('node_modules', '.cache', 'tellen-chromium'))
    const server = await chromium.launchServer({ executablePath: found.executablePath, env: found.env, args: CHROMIUM_ARGS })
    try {
      // A machine without a system browser lacks libnss3: the browser loads the copy unpacked beside it.
      const maps = fs.readFileSync(`/proc/${server.process().pid}/maps`, 'utf8')
      const nss = maps.split('\n').find((line) => line.endsWith('/libnss3.so'))
      // The kernel names the file by its real path (node_modules may be a link to another checkout's).
      expect(nss).toContain(fs.realpathSync(path.dirname(found.executablePath)))
      const browser = await chromium.connect(server.wsEndpoint())
      const page = await browser.newPage()
      await page.setContent('<p id="p">rendered</p>')
      expect(await page.textContent('#p')).toBe('rendered')
      // Its language is a tag that Intl takes, whatever the locale of the environment.
      expect(await page.evaluate(() => Intl.getCanonicalLocales(navigator.language))).toEqual(['en-US'])
      await browser.close()
    } finally {
      await server.close()
    }
  })
})

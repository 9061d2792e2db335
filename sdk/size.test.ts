import zlib from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { buildSdk, type SdkFile } from './build.ts'

/** The core script's budget, minified and gzipped (level 9). */
const CORE_BUDGET_BYTES = 2048

describe('the built browser script', () => {
  let files: Record<SdkFile, Uint8Array>
  let core: string
  beforeAll(async () => {
    files = await buildSdk()
    core = new TextDecoder().decode(files['t.js'])
  })

  it(`stays within ${CORE_BUDGET_BYTES} bytes minified and gzipped`, () => {
    const gzipped = zlib.gzipSync(files['t.js'], { level: 9 }).length
    expect(gzipped).toBeGreaterThan(1000)
    expect(gzipped).toBeLessThanOrEqual(CORE_BUDGET_BYTES)
  })

  it('keeps the web-vitals library out of the core', () => {
    expect(core).not.toMatch(/largest-contentful-paint|layout-shift/)
    expect(new TextDecoder().decode(files['t.vitals.js'])).toMatch(/largest-contentful-paint/)
  })

  it('has no unload listener, cookie or storage access, so pages stay bfcache-eligible and unmarked', () => {
    for (const code of [core, new TextDecoder().decode(files['t.vitals.js'])]) {
      expect(code).not.toMatch(/["'`](before)?unload["'`]|\bonunload\b/)
      expect(code).not.toMatch(/document\.cookie|localStorage|sessionStorage|indexedDB/)
    }
  })

  it('inlines the protocol constants instead of shipping the protocol module', () => {
    expect(core).toContain('v:1')
    expect(core).not.toContain('EXIT_KINDS')
  })
})

import { spawnSync } from 'node:child_process'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ROOT, startCollector, tempDataDir, type Collector } from './helpers/collector.ts'
import { programArgs } from './helpers/programs.ts'

/** The command `npm install` links: bin/tellen.js, which runs the TypeScript through tsx. */
const BIN = [path.join(ROOT, 'bin/tellen.js')]

function tellen(args: string[], env: Record<string, string> = {}, program = programArgs('cli')) {
  const r = spawnSync(process.execPath, [...program, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '1', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('the tellen CLI', () => {
  it('lists its commands with --help, run as the installed bin/tellen.js', () => {
    const r = tellen(['--help'], {}, BIN)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Usage: tellen/)
    expect(r.stdout).toMatch(/migrate/)
  })

  it('migrates DATA_DIR itself when no server answers, and only once', () => {
    const dataDir = tempDataDir()
    const first = tellen(['migrate'], { DATA_DIR: dataDir })
    expect(first.stderr).toBe('')
    expect(first.stdout).toMatch(/^applied 001_events, /)
    expect(first.code).toBe(0)
    const second = tellen(['migrate'], { DATA_DIR: dataDir })
    expect(second.stdout).toMatch(/nothing to apply/)
  })

  describe('beside a running collector', () => {
    let c: Collector
    beforeAll(async () => {
      c = await startCollector({ TELLEN_SITES: 'example.com' })
    })
    afterAll(async () => {
      await c?.stop()
    })

    it('goes through the running server, which owns the embedded engine', () => {
      const r = tellen(['migrate'], { DATA_DIR: c.dataDir, TELLEN_URL: c.url, TELLEN_ADMIN_TOKEN: c.adminToken })
      expect(r.stdout).toMatch(/nothing to apply/)
      expect(r.code).toBe(0)
      const wrong = tellen(['migrate'], { DATA_DIR: c.dataDir, TELLEN_URL: c.url, TELLEN_ADMIN_TOKEN: 'not-the-right-token-at-all' })
      expect(wrong.code).toBe(1)
      expect(wrong.stderr.trim()).toMatch(/^tellen: .*answered 401: the admin token is not valid$/)
    })

    it('does not open the DATA_DIR of a collector it cannot reach, and says where it looked', () => {
      const r = tellen(['sites', 'list'], { DATA_DIR: c.dataDir, TELLEN_URL: 'http://127.0.0.1:1' })
      expect(r.code).toBe(1)
      expect(r.stderr).toBe(
        `tellen: DATA_DIR ${c.dataDir} is in use by another collector (process ${c.process.pid} on ${os.hostname()}); every collector needs a DATA_DIR of its own; it does not answer at http://127.0.0.1:1: set TELLEN_URL to its address\n`,
      )
    })
  })

  it('fails with one clear line on a bad setting or command', () => {
    const bad = tellen(['migrate'], { PORT: 'x' })
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe('tellen: invalid configuration: PORT="x" must be a whole number\n')
    const unknown = tellen(['frobnicate'])
    expect(unknown.code).not.toBe(0)
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/)
    expect(unknown.stderr).not.toMatch(/\n\s+at /)
  })
})

import { spawn } from 'node:child_process'
import fs from 'node:fs'
import { expect, it } from 'vitest'
import { lockFile } from '../collector/src/data-dir-lock.ts'
import { ROOT, START_DEADLINE_MS, tempDataDir } from './helpers/collector.ts'

it('shuts the collector down cleanly when SIGTERM goes to the process `npm start` started', async () => {
  const dataDir = tempDataDir()
  const npm = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, TELLEN_ADMIN_TOKEN: 'test-admin-token-0123456789' },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  npm.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  npm.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => npm.on('exit', (code) => resolve(code)))
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`npm start did not listen within ${START_DEADLINE_MS / 1000} s:\n${out}`)), START_DEADLINE_MS)
      npm.stdout!.on('data', () => {
        const m = /"port":(\d+).*tellen is listening/.exec(out)
        if (m) {
          clearTimeout(timer)
          resolve(Number(m[1]))
        }
      })
    })
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200)
    expect(fs.existsSync(lockFile(dataDir))).toBe(true)

    npm.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(out).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/)
    expect(fs.existsSync(lockFile(dataDir))).toBe(false)
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow()
  } finally {
    npm.kill('SIGKILL')
  }
})

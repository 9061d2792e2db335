import fs from 'node:fs'
import { describe, expect, it } from 'vitest'
import { tempDataDir } from '../../test/helpers/collector.ts'
import { DataDirInUseError, lockDataDir, lockFile, runningUrl } from './data-dir-lock.ts'

const elsewhere = (dir: string) => fs.writeFileSync(lockFile(dir), JSON.stringify({ pid: 1, host: 'another-machine', boot: 'x' }))

describe('lockDataDir', () => {
  it('takes over a lock from another machine once it has not been touched for staleMs', async () => {
    const dir = tempDataDir()
    elsewhere(dir)
    const old = new Date(Date.now() - 60_000)
    fs.utimesSync(lockFile(dir), old, old)
    const lock = await lockDataDir(dir, { staleMs: 1000 })
    expect(JSON.parse(fs.readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid })
    lock.release()
    expect(fs.existsSync(lockFile(dir))).toBe(false)
  })

  it('refuses a lock from another machine that its owner keeps touching, and waits for one that is fresh but not touched', async () => {
    const dir = tempDataDir()
    elsewhere(dir)
    const touch = setInterval(() => fs.utimesSync(lockFile(dir), new Date(), new Date()), 100)
    try {
      await expect(lockDataDir(dir, { staleMs: 2000, heartbeatMs: 400 })).rejects.toThrow(DataDirInUseError)
    } finally {
      clearInterval(touch)
    }
    elsewhere(dir)
    const started = Date.now()
    const lock = await lockDataDir(dir, { staleMs: 800, heartbeatMs: 400 })
    expect(Date.now() - started).toBeGreaterThanOrEqual(700)
    lock.release()
  })

  it('refuses a second lock on this machine while its owner runs, and keeps the owner’s file', async () => {
    const dir = tempDataDir()
    fs.writeFileSync(lockFile(dir), JSON.stringify({ pid: process.ppid, host: (await import('node:os')).hostname(), boot: fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() }))
    await expect(lockDataDir(dir)).rejects.toThrow(`is in use by another collector (process ${process.ppid} on`)
    expect(fs.existsSync(lockFile(dir))).toBe(true)
  })

  it('tells the CLI where the collector answers while its lock is fresh, and nothing once it is stale or gone', async () => {
    const dir = tempDataDir()
    expect(runningUrl(dir)).toBeUndefined()
    const lock = await lockDataDir(dir)
    expect(runningUrl(dir)).toBeUndefined()
    lock.announce('http://127.0.0.1:8123')
    expect(runningUrl(dir)).toBe('http://127.0.0.1:8123')
    expect(JSON.parse(fs.readFileSync(lockFile(dir), 'utf8'))).toMatchObject({ pid: process.pid, url: 'http://127.0.0.1:8123' })
    const old = new Date(Date.now() - 60_000)
    fs.utimesSync(lockFile(dir), old, old)
    expect(runningUrl(dir)).toBeUndefined()
    lock.release()
    expect(fs.existsSync(lockFile(dir))).toBe(false)
  })
})

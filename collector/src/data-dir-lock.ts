import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/** Where the collector that owns a data directory says so. */
export const lockFile = (dataDir: string) => path.join(dataDir, 'collector.lock')

/** Raised when another collector uses the data directory. */
export class DataDirInUseError extends Error {
  override name = 'DataDirInUseError'
}

interface Owner {
  pid: number
  host: string
  /** The kernel's boot id: a pid means the same process only within one boot of one machine. */
  boot: string
  /** Where the owner answers HTTP, once it listens: the CLI finds the running collector by it. */
  url?: string
}

export interface DataDirLock {
  /** Stops the heartbeat and removes the lock. */
  release(): void
  /** Records in the lock the address at which this collector answers. */
  announce(url: string): void
}

/**
 * The address the collector that holds `dataDir` announced in its lock, if one does and the lock is
 * fresh (touched within `staleMs`); whether it answers there is for the caller to find out.
 * @example runningUrl('./data') // 'http://127.0.0.1:8080'
 */
export function runningUrl(dataDir: string, staleMs = 15_000): string | undefined {
  const file = lockFile(dataDir)
  const seen = mtime(file)
  if (seen === undefined || Date.now() - seen > staleMs) return undefined
  const owner = readOwner(file)
  return typeof owner?.url === 'string' && /^https?:\/\//.test(owner.url) ? owner.url : undefined
}

export interface LockOptions {
  /** How often the owner touches the lock (default 5 s). */
  heartbeatMs?: number
  /** A lock untouched this long belongs to a collector that is gone (default 15 s). */
  staleMs?: number
}

const bootId = () => {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return ''
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const readOwner = (file: string): Owner | undefined => {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as Owner
  } catch {
    return undefined
  }
}

const mtime = (file: string) => fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs

/**
 * Makes this process the only collector on `dataDir`: two collectors on one spool would replay,
 * truncate and delete each other's segments. The lock file names the owner and is touched every
 * few seconds. A lock left by a process that is gone is taken over: at once when it was on this
 * machine (the pid is not running, or is this process, as pid 1 of a restarted container is),
 * else once it has not been touched for `staleMs`. A lock that is touched meanwhile is refused.
 * @example
 * const lock = await lockDataDir('./data')
 * // ... on shutdown
 * lock.release()
 */
export async function lockDataDir(dataDir: string, options: LockOptions = {}): Promise<DataDirLock> {
  const heartbeatMs = options.heartbeatMs ?? 5000
  const staleMs = options.staleMs ?? 15_000
  const file = lockFile(dataDir)
  const me: Owner = { pid: process.pid, host: os.hostname(), boot: bootId() }
  const mine = `${file}.${process.pid}.${Date.now()}`
  fs.writeFileSync(mine, JSON.stringify(me))
  try {
    for (;;) {
      try {
        // Atomic: fails when a lock exists, so two collectors starting at once cannot both take it.
        fs.linkSync(mine, file)
        break
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      }
      const owner = readOwner(file)
      const seen = mtime(file)
      if (seen === undefined) continue
      const here = owner !== undefined && owner.host === me.host && owner.boot === me.boot
      const gone = here ? owner.pid === me.pid || !alive(owner.pid) : Date.now() - seen > staleMs
      if (!gone) {
        if (here) throw inUse(dataDir, owner)
        // Another machine or container: its pid says nothing here. A living owner touches the lock.
        const until = seen + staleMs
        while (Date.now() < until && mtime(file) === seen) await new Promise((r) => setTimeout(r, Math.min(500, heartbeatMs / 4)))
        if (mtime(file) !== seen) throw inUse(dataDir, owner)
      }
      // Gone: move its lock out of the way (only if it is still the same one) and try again.
      if (mtime(file) === seen) fs.rmSync(file, { force: true })
    }
  } finally {
    fs.rmSync(mine, { force: true })
  }
  const beat = setInterval(() => {
    const now = new Date()
    try {
      fs.utimesSync(file, now, now)
    } catch {
      // The next beat tries again; a collector that cannot touch its data directory fails elsewhere first.
    }
  }, heartbeatMs)
  beat.unref()
  return {
    announce(url) {
      // Written beside and renamed over the lock: a reader never sees half of it.
      const next = `${file}.${process.pid}.url`
      fs.writeFileSync(next, JSON.stringify({ ...me, url }))
      fs.renameSync(next, file)
    },
    release() {
      clearInterval(beat)
      const owner = readOwner(file)
      if (owner?.pid === me.pid && owner.host === me.host && owner.boot === me.boot) fs.rmSync(file, { force: true })
    },
  }
}

function inUse(dataDir: string, owner: Owner | undefined): DataDirInUseError {
  const who = owner ? `process ${owner.pid} on ${owner.host}` : 'another process'
  return new DataDirInUseError(`DATA_DIR ${dataDir} is in use by another collector (${who}); every collector needs a DATA_DIR of its own`)
}

import fs from 'node:fs'
import { execFileSync } from 'node:child_process'

let ticksPerSecond: number | undefined
const clockTicks = () => (ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100)

/** CPU time (user + system, all threads) a process has used so far, in microseconds, from /proc. */
export function cpuMicros(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
  // Fields after the command name, which is in parentheses and may hold spaces.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) / clockTicks()) * 1e6
}

/**
 * CPU time (user + system) of each kind of thread of a process so far, in microseconds, from /proc:
 * `main` (the event loop), Node's and V8's helper threads (`node`, `libuv-worker`, `V8 Worker`...)
 * and the embedded engine's pools (`ThreadPool`, `MergeMutate`...), numbered names folded into one.
 */
export function cpuByThread(pid: number): Map<string, number> {
  const out = new Map<string, number>()
  for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8')
      const name = t === String(pid) ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '#')
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out.set(name, (out.get(name) ?? 0) + ((Number(f[11]) + Number(f[12])) / clockTicks()) * 1e6)
    } catch {
      // the thread ended
    }
  }
  return out
}

/** CPU per unit by thread between two readings of `cpuByThread`, largest first, as `name µs, ...`. */
export function threadSplit(before: Map<string, number>, after: Map<string, number>, units: number, least = 0.05): string {
  return [...after]
    .map(([name, us]) => [name, (us - (before.get(name) ?? 0)) / units] as const)
    .filter(([, us]) => us >= least)
    .sort((a, b) => b[1] - a[1])
    .map(([name, us]) => `${name} ${us.toFixed(2)}`)
    .join(', ')
}

/** Resident memory of a process in bytes: now (VmRSS) and its peak (VmHWM), from /proc. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

/** Mebibytes, one decimal. */
export const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1)

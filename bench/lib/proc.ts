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

/** Resident memory of a process in bytes: now (VmRSS) and its peak (VmHWM), from /proc. */
export function memory(pid: number): { rss: number; peak: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024
  return { rss: kb('VmRSS'), peak: kb('VmHWM') }
}

/** Mebibytes, one decimal. */
export const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1)

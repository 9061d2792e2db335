const DAY_MS = 86_400_000
/** The first minutes of a UTC day, in which no test file starts (see `untilDayStarted`). */
export const DAY_START_GUARD_MS = 5 * 60_000

/**
 * How long a test file that would start at `now` waits: many tests send events a few seconds or
 * minutes before now and ask for today's counts, today being the UTC day when the file loads. A
 * file started in the first minutes of a UTC day would put those events on yesterday; it waits
 * until the guard is over instead (a run that starts at such a time takes up to five minutes more).
 * @example untilDayStarted(Date.parse('2026-12-08T00:01:00Z')) // 241_000: until 00:05:01
 */
export function untilDayStarted(now: number): number {
  const into = now % DAY_MS
  return into < DAY_START_GUARD_MS ? DAY_START_GUARD_MS - into + 1000 : 0
}

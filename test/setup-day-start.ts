import { untilDayStarted } from './helpers/day-start.ts'

// Runs before each test file is loaded (vitest.config.ts, setupFiles): see `untilDayStarted`.
const wait = untilDayStarted(Date.now())
if (wait) await new Promise((resolve) => setTimeout(resolve, wait))

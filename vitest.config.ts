import { defineConfig } from 'vitest/config'

// chdb binds one data directory per process, so every test file runs in its own forked process.
export default defineConfig({
  test: {
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // No test file starts in the first five minutes of a UTC day (test/helpers/day-start.ts).
    setupFiles: ['test/setup-day-start.ts'],
    include: ['collector/**/*.test.ts', 'bench/**/*.test.ts', 'sdk/**/*.test.ts', 'dashboard/**/*.test.ts', 'test/**/*.test.ts'],
    // Deadlines for a machine of two cores that other work keeps busy (ten times slower than when it
    // is idle): a test or hook that is done sooner ends sooner, and one that hangs still fails.
    testTimeout: 600_000,
    // Test files wait on collectors, the engine, browsers and timers in other processes: three files
    // at once keep two cores busy (4 % idle over a run, where two files at once left them about 15 %
    // idle: 320 s instead of 370 s for the same 610-630 s of CPU; the default, one fewer than the
    // cores, runs them one by one).
    maxWorkers: 3,
    hookTimeout: 600_000,
  },
})

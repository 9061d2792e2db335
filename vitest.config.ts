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
    // Most test files spend their time waiting on a collector, the engine or a browser in another
    // process, so two files at once keep two cores busy (the default, one fewer than the cores, runs
    // them one by one: about 20 minutes instead of 10).
    maxWorkers: 2,
    hookTimeout: 600_000,
  },
})

import { defineConfig } from 'vitest/config'

// chdb binds one data directory per process, so every test file runs in its own forked process.
export default defineConfig({
  test: {
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    include: ['collector/**/*.test.ts', 'bench/**/*.test.ts', 'sdk/**/*.test.ts', 'dashboard/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})

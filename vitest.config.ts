import fs from 'node:fs'
import { defineConfig } from 'vitest/config'

const TEST_DIRS = ['collector', 'bench', 'sdk', 'dashboard', 'test']
const TEST_FILES = TEST_DIRS.map((dir) => `${dir}/**/*.test.ts`)

/**
 * What makes a test file need a process of its own: the embedded engine in the test process itself
 * (it binds one data directory per process, and once loaded its background threads cost CPU for as
 * long as the process lives), or a change to the process's environment or working directory. Every
 * other file, most of them testing modules or talking to the collectors and browsers they start, runs
 * in a process that runs other files before and after it, where modules are loaded once: starting a
 * process and loading the collector's modules again costs about 1.5 s of CPU a file.
 */
const OWN_PROCESS = /\b(openDb|openStatsDb|withDataDir|createChdbConnection|startServer|createApp|withBackend)\(|\bchdb\b|process\.env\.\w+ =|process\.chdir/

/** The test files that need a process of their own, by their text. */
function ownProcessFiles(): string[] {
  return TEST_DIRS.flatMap((dir) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).map((name) => `${dir}/${name}`))
    .filter((file) => file.endsWith('.test.ts') && !file.includes('node_modules/') && OWN_PROCESS.test(fs.readFileSync(file, 'utf8')))
}

const OWN_PROCESS_FILES = ownProcessFiles()

/** Options of both projects (`extends` would also repeat the root's global setup once per project). */
const common = {
  pool: 'forks' as const,
  // Deadlines for a machine of two cores that other work keeps busy (ten times slower than when it
  // is idle): a test or hook that is done sooner ends sooner, and one that hangs still fails.
  testTimeout: 600_000,
  hookTimeout: 600_000,
}

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    // Most test files spend their time waiting on a collector, the engine or a browser in another
    // process, so two files at once keep two cores busy (the default, one fewer than the cores, runs
    // them one by one: about 20 minutes instead of 10).
    maxWorkers: 2,
    projects: [
      { test: { ...common, name: 'own-process', include: OWN_PROCESS_FILES } },
      { test: { ...common, name: 'shared-process', include: TEST_FILES, exclude: ['**/node_modules/**', ...OWN_PROCESS_FILES], isolate: false, setupFiles: ['test/shared-process-setup.ts'] } },
    ],
  },
})

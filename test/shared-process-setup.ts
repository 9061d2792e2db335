import fs from 'node:fs'
import { afterAll, expect } from 'vitest'

/**
 * Run after every file of the `shared-process` project (vitest.config.ts): a file there must not load
 * the embedded engine, which binds one data directory per process and keeps its background threads
 * for as long as the process lives. One that does fails here, by name, instead of failing the file
 * that happens to run after it in the same process.
 */
afterAll(() => {
  const maps = '/proc/self/maps'
  if (fs.existsSync(maps) && fs.readFileSync(maps, 'utf8').includes('libchdb')) {
    throw new Error(`${expect.getState().testPath} loaded the embedded engine in a process that other test files share: give it a process of its own (OWN_PROCESS in vitest.config.ts)`)
  }
})

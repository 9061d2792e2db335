import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import type { Env } from '../context.ts'

/**
 * `GET /test-pages/*`: static pages from the directory in TELLEN_TEST_PAGES, so browser tests load
 * pages first-party from the collector under test. Not mounted unless that variable is set.
 */
export function testPageRoutes(dir: string | undefined): Hono<Env> {
  const app = new Hono<Env>()
  if (dir) app.use('/test-pages/*', serveStatic({ root: dir, rewriteRequestPath: (p) => p.slice('/test-pages'.length) }))
  return app
}

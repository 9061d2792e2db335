import type { AddressInfo } from 'node:net'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

/**
 * The ceiling of this machine for the collector's framework: a Hono app on @hono/node-server whose
 * `POST /api/event` reads the body and answers 204. Run as its own process; prints its port.
 */
const app = new Hono()
app.post('/api/event', async (c) => {
  await c.req.text()
  return c.body(null, 204)
})
const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })} listening\n`)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))

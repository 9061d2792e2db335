import { Hono } from 'hono'
import { cors } from 'hono/cors'
import { describe, expect, it } from 'vitest'
import { eventCors, type EventCorsOptions } from './cors.ts'

const options: EventCorsOptions = {
  origin: (o) => (o === 'https://example.com' ? o : null),
  allowMethods: ['POST', 'OPTIONS'],
  allowHeaders: ['Content-Type'],
  maxAge: 600,
}
const appWith = (middleware: ReturnType<typeof cors>) => {
  const app = new Hono()
  app.use('/api/event', middleware)
  app.post('/api/event', (c) => c.json({ accepted: 1 }, 202))
  return app
}
const ours = appWith(eventCors(options))
const reference = appWith(cors(options))
const headersOf = async (app: Hono, init: RequestInit) => {
  const res = await app.request('/api/event', init)
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() }
}

describe('eventCors', () => {
  const cases: [string, RequestInit][] = [
    ['a POST from an allowed origin', { method: 'POST', headers: { origin: 'https://example.com' } }],
    ['a POST from another origin', { method: 'POST', headers: { origin: 'https://attacker.net' } }],
    ['a POST without an Origin', { method: 'POST' }],
    ['a preflight from an allowed origin', { method: 'OPTIONS', headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' } }],
    ['a preflight from another origin', { method: 'OPTIONS', headers: { origin: 'https://attacker.net', 'access-control-request-method': 'POST' } }],
  ]
  for (const [name, init] of cases) {
    it(`answers ${name} with the same status, headers and body as hono/cors`, async () => {
      expect(await headersOf(ours, init)).toEqual(await headersOf(reference, init))
    })
  }

  it('allows an allowed origin and names Origin in Vary', async () => {
    const { headers } = await headersOf(ours, { method: 'POST', headers: { origin: 'https://example.com' } })
    expect(headers['access-control-allow-origin']).toBe('https://example.com')
    expect(headers.vary).toBe('Origin')
  })
})

import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { SECURITY_HEADERS, securityHeaders } from './security-headers.ts'

describe('SECURITY_HEADERS', () => {
  it('holds exactly what the security-headers middleware sets', async () => {
    const app = new Hono().use(securityHeaders()).get('/', (c) => c.body(null, 204))
    const res = await app.request('/')
    expect(Object.fromEntries(res.headers)).toEqual(SECURITY_HEADERS)
  })
})

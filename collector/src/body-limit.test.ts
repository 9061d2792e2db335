import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { limitBody } from './body-limit.ts'

const app = new Hono()
app.post('/', limitBody({ maxSize: 10, onError: (c) => c.json({ error: 'body is larger than 10 bytes' }, 413) }), async (c) =>
  c.json({ read: (await c.req.text()).length }),
)

/** A body sent in chunks without a Content-Length, as a streaming client does. */
const chunked = (text: string) =>
  new Request('http://localhost/', {
    method: 'POST',
    body: new ReadableStream({
      start(controller) {
        for (const part of text.match(/.{1,4}/g) ?? []) controller.enqueue(new TextEncoder().encode(part))
        controller.close()
      },
    }),
    duplex: 'half',
  } as RequestInit)

describe('limitBody', () => {
  it('passes a body within the limit to the handler', async () => {
    const res = await app.request('/', { method: 'POST', body: '0123456789' })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ read: 10 })
  })

  it('refuses a body whose Content-Length is over the limit without reading it', async () => {
    const res = await app.request('/', { method: 'POST', body: '0123456789a' })
    expect(res.status).toBe(413)
    expect(await res.json()).toEqual({ error: 'body is larger than 10 bytes' })
  })

  it('counts a chunked body as it streams and refuses it once over the limit', async () => {
    expect((await app.request(chunked('01234567'))).status).toBe(200)
    const res = await app.request(chunked('0123456789abcdef'))
    expect(res.status).toBe(413)
  })

  it('answers 400 when Content-Length is not a number', async () => {
    const res = await app.request('/', { method: 'POST', body: 'x', headers: { 'content-length': 'ten' } })
    expect(res.status).toBe(400)
  })
})

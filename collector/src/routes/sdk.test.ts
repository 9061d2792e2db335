import zlib from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { prepareSdk, sdkRoutes } from './sdk.ts'

describe('GET /t.js', () => {
  const app = sdkRoutes()
  let plain: Uint8Array
  beforeAll(async () => {
    plain = (await prepareSdk())['t.js'].body
  })
  const get = (acceptEncoding?: string, etag?: string) =>
    app.request('/t.js', { headers: { ...(acceptEncoding ? { 'accept-encoding': acceptEncoding } : {}), ...(etag ? { 'if-none-match': etag } : {}) } })

  it('sends brotli or gzip to a client that accepts it, and the plain script otherwise', async () => {
    const br = await get('gzip, deflate, br')
    expect(br.headers.get('content-encoding')).toBe('br')
    expect(Buffer.from(zlib.brotliDecompressSync(Buffer.from(await br.arrayBuffer()))).equals(Buffer.from(plain))).toBe(true)
    expect((await get('gzip;q=1, br;q=0.5')).headers.get('content-encoding')).toBe('gzip')
    const gz = await get('gzip')
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    const body = Buffer.from(await gz.arrayBuffer())
    expect(body.length).toBeLessThanOrEqual(2048)
    expect(Buffer.from(zlib.gunzipSync(body)).equals(Buffer.from(plain))).toBe(true)
    for (const refused of [undefined, 'gzip;q=0, br;q=0', 'identity']) {
      const res = await get(refused)
      expect(res.headers.get('content-encoding')).toBeNull()
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(plain))).toBe(true)
    }
    expect(br.headers.get('vary')).toBe('Accept-Encoding')
  })

  it('gives each encoding its own ETag and answers 304 for it', async () => {
    const tags = await Promise.all(['br', 'gzip', 'identity'].map(async (e) => (await get(e)).headers.get('etag')!))
    expect(new Set(tags).size).toBe(3)
    expect((await get('br', tags[0])).status).toBe(304)
    expect((await get('gzip', tags[1])).status).toBe(304)
  })
})

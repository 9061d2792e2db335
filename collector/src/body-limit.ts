import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'

export interface BodyLimitOptions {
  maxSize: number
  onError: (c: Context) => Response | Promise<Response>
}

/**
 * Refuses request bodies larger than `maxSize` bytes. A request that declares its length is judged
 * by its Content-Length header alone (the HTTP parser never reads past it), which keeps the body
 * on @hono/node-server's fast path; a chunked body is counted as it streams by `hono/body-limit`.
 * @example app.post('/api/event', limitBody({ maxSize: 65_536, onError: (c) => c.json({ error: 'too large' }, 413) }), handler)
 */
export function limitBody(options: BodyLimitOptions): MiddlewareHandler {
  const streamed = bodyLimit(options)
  return async (c, next) => {
    const length = c.req.header('content-length')
    if (length !== undefined && c.req.header('transfer-encoding') === undefined) {
      const bytes = Number(length)
      if (!Number.isSafeInteger(bytes) || bytes < 0) return c.json({ error: 'Content-Length is not a number of bytes' }, 400)
      return bytes > options.maxSize ? options.onError(c) : next()
    }
    return streamed(c, next)
  }
}

import type { MiddlewareHandler } from 'hono'
import type { Principal } from '../auth/tokens.ts'
import type { Env, Services } from '../context.ts'

/**
 * Requires `Authorization: Bearer <token>` whose principal is one of `kinds`: 401 without a token or
 * with an unknown one, 403 with a token of another kind.
 */
export function requireToken(s: Pick<Services, 'tokens'>, kinds: readonly Principal['kind'][]): MiddlewareHandler<Env> {
  const adminOnly = kinds.length === 1 && kinds[0] === 'admin'
  return async (c, next) => {
    const header = c.req.header('authorization')
    if (!header) return c.json({ error: `${adminOnly ? 'an admin' : 'a'} token is required (Authorization: Bearer ...)` }, 401, { 'WWW-Authenticate': 'Bearer' })
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (!m) return c.json({ error: 'the Authorization header must be "Bearer <token>"' }, 401, { 'WWW-Authenticate': 'Bearer' })
    const principal = await s.tokens.verify(m[1]!)
    if (!principal) return c.json({ error: adminOnly ? 'the admin token is not valid' : 'the token is not valid or was revoked' }, 401, { 'WWW-Authenticate': 'Bearer' })
    if (!kinds.includes(principal.kind)) return c.json({ error: `a ${principal.kind} token may not use this API` }, 403)
    c.set('principal', principal)
    await next()
  }
}

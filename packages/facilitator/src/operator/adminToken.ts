/**
 * @module
 * The admin token in front of the operator's read APIs (`/ledger/*`, the dashboard's `/api/*`):
 * `Authorization: Bearer <token>`, compared as digests in constant time. Merchant API keys never
 * open them.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { reasonOf } from '@tollgate/core'
import type { MiddlewareHandler } from 'hono'

/** Shortest admin token accepted: anything shorter could be guessed. */
export const adminTokenLengthMin = 16

/** A 401 with `WWW-Authenticate: Bearer` unless the request carries `token`. */
export function bearerTokenGuard(token: string, message: string): MiddlewareHandler {
  if (token.length < adminTokenLengthMin) {
    throw new RangeError(`an admin token needs at least ${adminTokenLengthMin} characters`)
  }
  const expected = createHash('sha256').update(token).digest()
  return async function bearerTokenGuardMiddleware(c, next) {
    const match = /^bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '')
    const given = createHash('sha256')
      .update(match?.[1] ?? '')
      .digest()
    if (!match || !timingSafeEqual(given, expected)) {
      c.header('WWW-Authenticate', 'Bearer')
      return c.json({ error: reasonOf('UNAUTHORIZED'), message }, 401)
    }
    await next()
  }
}

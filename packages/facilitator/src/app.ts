import { parseStrictJson, reject, settleFailure } from '@tollgate/core'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Facilitator } from './facilitator.ts'

export interface FacilitatorAppOptions {
  /**
   * Largest accepted request body. A payment request is under 4 KiB; the limit stops memory abuse.
   * @default 65536
   */
  bodyBytesMax?: number
}

/**
 * The facilitator over HTTP: `POST /verify`, `POST /settle`, `GET /supported`, `GET /healthz`
 * (liveness, no I/O) and `GET /readyz` (RPC and signers). Every answer is JSON with a reason.
 */
export function createFacilitatorApp(
  facilitator: Facilitator,
  options: FacilitatorAppOptions = {},
): Hono {
  const bodyBytesMax = options.bodyBytesMax ?? 64 * 1024
  const app = new Hono()

  const limit = (failure: () => unknown) =>
    bodyLimit({ maxSize: bodyBytesMax, onError: (c) => c.json(failure(), 413) })
  const tooLarge = `the request body exceeds ${bodyBytesMax} bytes`

  app.post(
    '/verify',
    limit(() => reject('PAYLOAD_MALFORMED', { message: tooLarge })),
    async (c) => {
      const body = parseStrictJson(await c.req.text())
      if (!body.ok) return c.json(reject('PAYLOAD_MALFORMED', { message: body.error }), 400)
      const answer = await facilitator.verify(body.value)
      return c.json(answer.body, answer.status as 200)
    },
  )

  app.post(
    '/settle',
    limit(() => settleFailure('PAYLOAD_MALFORMED', { network: '', message: tooLarge })),
    async (c) => {
      const body = parseStrictJson(await c.req.text())
      if (!body.ok)
        return c.json(settleFailure('PAYLOAD_MALFORMED', { network: '', message: body.error }), 400)
      const answer = await facilitator.settle(body.value)
      return c.json(answer.body, answer.status as 200)
    },
  )

  app.get('/supported', (c) => c.json(facilitator.supported()))
  app.get('/healthz', (c) => c.json({ status: 'ok' }))
  app.get('/readyz', async (c) => {
    const checks = await facilitator.readiness()
    const ready = checks.every((check) => check.ok)
    return c.json({ status: ready ? 'ready' : 'not_ready', checks }, ready ? 200 : 503)
  })

  app.notFound((c) =>
    c.json(
      { error: 'not_found', message: `${c.req.method} ${c.req.path} is not an endpoint` },
      404,
    ),
  )
  // Handlers turn every expected failure into a reason; reaching here is a bug, logged by the host.
  app.onError((_, c) => c.json({ error: 'internal_error' }, 500))
  return app
}

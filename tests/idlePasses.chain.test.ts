/**
 * Background work scales with load: a facilitator's recovery and finality passes come every
 * `recoveryIntervalMs` while payments are in flight, and an idle one backs off (up to its lease),
 * so at rest it barely touches its RPC or its ledger. A payment after a quiet spell still settles
 * and is confirmed at once.
 */
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { Hono } from 'hono'
import { type DevStack, type Listening, listen } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startFacilitator,
  startTestStack,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack
let proxy: Listening
/** Every JSON-RPC method the facilitator called, in order. */
const calls: string[] = []

beforeAll(async () => {
  stack = await startTestStack()
  const app = new Hono()
  app.post('/', async (c) => {
    const body = await c.req.text()
    const parsed: unknown = JSON.parse(body)
    for (const call of Array.isArray(parsed) ? parsed : [parsed])
      calls.push(String((call as { method?: unknown }).method))
    const answer = await fetch(stack.manifest.rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    })
    return c.body(await answer.text(), 200, { 'content-type': 'application/json' })
  })
  proxy = await listen(app, 0)
})
afterAll(async () => {
  await proxy?.close()
  await stack?.stop()
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
/** Balance reads: one per signer per pass. */
const passes = () => calls.filter((method) => method === 'eth_getBalance').length

describe('background passes', () => {
  it('back off at rest, and a payment after a quiet spell settles and is confirmed', async () => {
    const facilitator = await startFacilitator(stack, {
      signerKey: ANVIL_ACCOUNTS[8].privateKey,
      rpcUrl: proxy.url,
      tuning: { recoveryIntervalMs: 50, leaseMs: 1_600 },
    })
    try {
      const requirements = weatherRequirements(stack.manifest)
      const settle = async () => {
        const payload = await signPayment(stack.manifest, requirements)
        return postFacilitator(
          facilitator.manifest,
          '/settle',
          facilitatorBody(payload, requirements),
        )
      }
      expect((await settle()).body).toMatchObject({ success: true })
      // Quiet for 3 s: at a fixed 50 ms pace that would be 60 passes; backing off to the
      // 1.6 s lease, a handful.
      await sleep(500)
      const before = passes()
      await sleep(3_000)
      const idle = passes() - before
      expect(idle).toBeGreaterThanOrEqual(1)
      expect(idle).toBeLessThanOrEqual(8)

      const answer = await settle()
      expect(answer.body).toMatchObject({ success: true })
      const deadline = Date.now() + 10_000
      const confirmed = async () =>
        (await facilitator.built.ledger.recent({ limit: 1 }))[0]?.state === 'confirmed'
      while (!(await confirmed())) {
        if (Date.now() > deadline)
          throw new Error('the payment after the quiet spell was not confirmed')
        await sleep(50)
      }
    } finally {
      await facilitator.close()
    }
  })
})

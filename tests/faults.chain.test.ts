/**
 * The facilitator behind an RPC that loses, delays and duplicates answers: no payment is debited
 * twice, none is stuck, and a receipt that does not come in time is `settlement_pending`, never a
 * failure. Clients simply settle again until they get a final answer.
 */
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RpcProxy, startRpcProxy } from './support/rpcProxy.ts'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startFacilitator,
  startTestStack,
  type TestFacilitator,
  transferCount,
  weatherRequirements,
} from './support/stack.ts'

/** A send, with or without its receipt in the answer (EIP-7966). */
const sends = ['eth_sendRawTransaction', 'eth_sendRawTransactionSync']

let stack: DevStack
let proxy: RpcProxy
let facilitator: TestFacilitator

beforeAll(async () => {
  stack = await startTestStack()
  const { manifest } = stack
  proxy = await startRpcProxy({
    upstreamUrl: manifest.rpcUrl,
    seed: 402,
    rules: [
      // The first two sends are faulted for sure, whatever the batching made of 40 payments (a
      // few sends, so the draws alone may spare them all); the draws then go on as seeded.
      { method: sends, fault: { kind: 'duplicate' }, times: 1 },
      {
        method: sends,
        fault: { kind: 'drop-response', mode: 'destroy' },
        times: 1,
      },
      {
        method: sends,
        fault: { kind: 'drop-response', mode: 'destroy' },
        probability: 0.3,
      },
      { method: sends, fault: { kind: 'duplicate' }, probability: 0.3 },
      {
        method: 'eth_getTransactionReceipt',
        fault: { kind: 'delay', delayMs: 400 },
        probability: 0.3,
      },
      {
        method: 'eth_getTransactionReceipt',
        fault: { kind: 'drop-response', mode: 'destroy' },
        probability: 0.2,
      },
      { method: 'eth_call', fault: { kind: 'error', status: 503 }, probability: 0.05 },
    ],
  })
  facilitator = await startFacilitator(stack, {
    signerKey: ANVIL_ACCOUNTS[4].privateKey,
    rpcUrl: proxy.url,
    receiptTimeoutMs: 600,
    batch: { maxSize: 20, maxWaitMs: 20 },
  })
})
afterAll(async () => {
  await facilitator?.close()
  await proxy?.close()
  await stack?.stop()
})

describe('an RPC that drops, delays and duplicates answers', () => {
  it('settles 40 payments exactly once each; late receipts are pending, never failures', async () => {
    const { manifest } = stack
    const requirements = weatherRequirements(manifest)
    const before = await transferCount(
      manifest,
      manifest.accounts.payer.address,
      manifest.accounts.merchant.address,
    )
    const payloads = await Promise.all(
      Array.from({ length: 40 }, () => signPayment(manifest, requirements)),
    )
    const seen: string[] = []
    const finals = await Promise.all(
      payloads.map(async (payload) => {
        for (let attempt = 0; attempt < 60; attempt++) {
          const answer = await postFacilitator(
            facilitator.manifest,
            '/settle',
            facilitatorBody(payload, requirements),
          )
          seen.push(answer.body.success === true ? 'success' : String(answer.body.errorReason))
          if (answer.body.success === true) return answer.body
          await new Promise((resolve) => setTimeout(resolve, 200))
        }
        throw new Error(`a payment never settled; outcomes seen: ${seen.slice(-5).join(', ')}`)
      }),
    )
    expect(finals).toHaveLength(40)
    // Everything short of success was "try again": pending, or the RPC being unavailable.
    expect(
      seen.filter(
        (outcome) =>
          !['success', 'settlement_pending', 'unexpected_settle_error'].includes(outcome),
      ),
    ).toEqual([])
    expect(
      await transferCount(
        manifest,
        manifest.accounts.payer.address,
        manifest.accounts.merchant.address,
      ),
    ).toBe(before + 40)
    // The faults really happened.
    const faults = proxy.calls().filter((call) => call.fault !== null)
    expect(faults.some((call) => call.fault?.kind === 'duplicate')).toBe(true)
    expect(
      faults.some(
        (call) =>
          call.fault?.kind === 'drop-response' &&
          call.methods.some((method) => sends.includes(method)),
      ),
    ).toBe(true)
  })
})

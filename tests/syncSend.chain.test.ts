/**
 * Goal: a settlement goes out with `eth_sendRawTransactionSync` (EIP-7966), whose answer is the
 * receipt, so no receipt is polled for it; a node without the method, or one whose answer is too
 * slow or lost, still settles each payment exactly once, the old way, with the same signed bytes.
 */
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RpcFaultRule, type RpcProxy, startRpcProxy } from './support/rpcProxy.ts'
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

const syncSend = 'eth_sendRawTransactionSync'
const plainSend = 'eth_sendRawTransaction'

let stack: DevStack
let proxy: RpcProxy

beforeAll(async () => {
  stack = await startTestStack()
  proxy = await startRpcProxy({ upstreamUrl: stack.manifest.rpcUrl })
})
afterAll(async () => {
  await proxy?.close()
  await stack?.stop()
})

/** A facilitator behind the proxy with `rules`; settles `count` payments one after another. */
async function settleThrough(
  rules: RpcFaultRule[],
  count: number,
  options: {
    signer: number
    syncSendWaitMs?: number
    receiptTimeoutMs?: number
    recoveryIntervalMs?: number
  },
) {
  const { manifest } = stack
  proxy.setRules(rules)
  const facilitator: TestFacilitator = await startFacilitator(stack, {
    signerKey: ANVIL_ACCOUNTS[options.signer]!.privateKey,
    rpcUrl: proxy.url,
    ...(options.syncSendWaitMs !== undefined ? { syncSendWaitMs: options.syncSendWaitMs } : {}),
    ...(options.receiptTimeoutMs ? { receiptTimeoutMs: options.receiptTimeoutMs } : {}),
    // Recovery reads receipts of open transactions too: only where a test needs it.
    tuning: { recoveryIntervalMs: options.recoveryIntervalMs ?? 60_000 },
  })
  const requirements = weatherRequirements(manifest)
  const payer = manifest.accounts.payer.address
  const merchant = manifest.accounts.merchant.address
  const before = await transferCount(manifest, payer, merchant)
  const firstCall = proxy.calls().length
  /** Each payment's answers, settled again while pending as a resource server would. */
  const answers: unknown[][] = []
  try {
    for (let index = 0; index < count; index++) {
      const payload = await signPayment(manifest, requirements)
      const seen: unknown[] = []
      for (let attempt = 0; attempt < 30 && seen.at(-1) !== true; attempt++) {
        const answer = await postFacilitator(
          facilitator.manifest,
          '/settle',
          facilitatorBody(payload, requirements),
        )
        seen.push(answer.body.success === true ? true : answer.body.errorReason)
        if (answer.body.success !== true) await new Promise((resolve) => setTimeout(resolve, 200))
      }
      answers.push(seen)
    }
  } finally {
    await facilitator.close()
  }
  const calls = proxy.calls().slice(firstCall)
  const count_ = (method: string) => calls.filter((call) => call.methods.includes(method)).length
  return {
    answers,
    transfers: (await transferCount(manifest, payer, merchant)) - before,
    calls: { sync: count_(syncSend), plain: count_(plainSend) },
    receiptReads: count_('eth_getTransactionReceipt'),
    /** Distinct signed transactions sent, whichever way. */
    sentBytes: new Set(
      calls
        .filter((call) => call.methods.includes(syncSend) || call.methods.includes(plainSend))
        .flatMap((call) => call.params),
    ).size,
  }
}

describe('settlement sends on a node with eth_sendRawTransactionSync', () => {
  it('takes the receipt from the send: no receipt is polled', async () => {
    const run = await settleThrough([], 3, { signer: 5 })
    expect(run.answers).toEqual([[true], [true], [true]])
    expect(run.transfers).toBe(3)
    expect(run.calls).toEqual({ sync: 3, plain: 0 })
    expect(run.receiptReads).toBe(0)
  })

  it('on a node without the method, sends the old way from then on', async () => {
    const run = await settleThrough(
      [
        {
          method: syncSend,
          fault: {
            kind: 'error',
            rpcError: { code: -32601, message: `the method ${syncSend} does not exist` },
          },
        },
      ],
      3,
      { signer: 6 },
    )
    expect(run.answers).toEqual([[true], [true], [true]])
    expect(run.transfers).toBe(3)
    // Asked once; each settlement then sent plainly and its receipt polled.
    expect(run.calls).toEqual({ sync: 1, plain: 3 })
    expect(run.receiptReads).toBeGreaterThanOrEqual(3)
    expect(run.sentBytes).toBe(3)
  })

  it('an answer slower than syncSendWaitMs: looked up, not sent again, settled once', async () => {
    const run = await settleThrough(
      [{ method: syncSend, fault: { kind: 'delay', delayMs: 1_500 } }],
      2,
      { signer: 7, syncSendWaitMs: 200 },
    )
    expect(run.answers).toEqual([[true], [true]])
    expect(run.transfers).toBe(2)
    // The node had each transaction (mined at once on the devnet): no second, plain send.
    expect(run.calls).toEqual({ sync: 2, plain: 0 })
    expect(run.sentBytes).toBe(2)
  })

  it('a lost answer: the transaction is found by its hash, settled once', async () => {
    const run = await settleThrough(
      [{ method: syncSend, fault: { kind: 'drop-response', mode: 'destroy' }, times: 1 }],
      2,
      { signer: 8 },
    )
    expect(run.answers).toEqual([[true], [true]])
    expect(run.transfers).toBe(2)
    expect(run.calls).toEqual({ sync: 2, plain: 0 })
  })

  it('a send the proxy never forwarded: pending, then the same bytes sent again, settled once', async () => {
    const run = await settleThrough(
      [{ method: syncSend, fault: { kind: 'drop-request' }, times: 1 }],
      2,
      { signer: 9, receiptTimeoutMs: 500, recoveryIntervalMs: 100 },
    )
    // Not found by its hash, it is not sent again at once (its first copy may be on the way):
    // recovery sends the stored bytes the old way. Until it lands settle answers pending; when
    // recovery's pass comes within the settle's own wait, the first answer is already success.
    expect(run.answers[0]!.at(-1)).toBe(true)
    expect(run.answers[0]!.slice(0, -1).every((reason) => reason === 'settlement_pending')).toBe(
      true,
    )
    expect(run.answers[1]).toEqual([true])
    expect(run.transfers).toBe(2)
    expect(run.calls).toEqual({ sync: 2, plain: 1 })
    expect(run.sentBytes).toBe(2)
  })
})

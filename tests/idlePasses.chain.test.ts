/**
 * Background work scales with load. An idle facilitator's full passes (recovery, signer
 * balances) back off (on the embedded ledger here, to one a minute), so at rest it barely touches
 * its ledger or its RPC; its finality watch keeps reading the head while a settlement is within
 * the reorg window, less often while the chain stands still (at most 8 passes apart). So a
 * reorganisation during a quiet spell is caught within that, and the payment it removed lands
 * again without waiting for the next full pass.
 */
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { type DevStack, rpcClient } from 'tollgate'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { waitFor } from './support/cli.ts'
import { type RpcProxy, startRpcProxy } from './support/rpcProxy.ts'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startFacilitator,
  startTestStack,
  tokenBalance,
  weatherRequirements,
} from './support/stack.ts'

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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))
const rpc = (method: string, params: unknown[]) =>
  rpcClient(stack.manifest.rpcUrl).request({ method: method as never, params: params as never })
/** How many calls of `method` the facilitator has made so far. */
const count = (method: string) =>
  proxy.calls().reduce((sum, call) => sum + call.methods.filter((m) => m === method).length, 0)

/** Waits until no full pass (a signer balance read) came for 500 ms; fails after `maxMs`. */
async function cameToRest(maxMs: number) {
  const deadline = Date.now() + maxMs
  let reads = count('eth_getBalance')
  let quietSince = Date.now()
  while (Date.now() - quietSince < 500) {
    if (Date.now() > deadline) throw new Error(`full passes still came after ${maxMs} ms`)
    await sleep(50)
    const now = count('eth_getBalance')
    if (now !== reads) {
      reads = now
      quietSince = Date.now()
    }
  }
}

describe('background passes', () => {
  it('back off at rest while the watch keeps its pace, and a reorganisation in a quiet spell is mended at once', async () => {
    const { manifest } = stack
    // Full passes at a 50 ms pace while there is work; at rest, none for a minute.
    const facilitator = await startFacilitator(stack, {
      signerKey: ANVIL_ACCOUNTS[8].privateKey,
      rpcUrl: proxy.url,
      tuning: { recoveryIntervalMs: 50, leaseMs: 60_000 },
    })
    try {
      const requirements = weatherRequirements(manifest)
      const payload = await signPayment(manifest, requirements)
      const settled = await postFacilitator(
        facilitator.manifest,
        '/settle',
        facilitatorBody(payload, requirements),
      )
      expect(settled.body).toMatchObject({ success: true })
      const hash = settled.body.transaction as Hex
      const payerAfter = await tokenBalance(manifest, manifest.accounts.payer.address)

      // The passes the settle brings (its arrival's, its answer's, one that finds it done) end,
      // however long a loaded machine makes them: no full pass in 10 of the 50 ms ticks.
      await cameToRest(10_000)
      // Then quiet for 6 s: the 50 ms pace would make 120 full passes (one balance read each);
      // at rest the next is a minute away.
      const balanceReads = count('eth_getBalance')
      const headReads = count('eth_getBlockByNumber')
      await sleep(6_000)
      expect(count('eth_getBalance') - balanceReads).toBe(0)
      // The watch still looks at the head, the settlement being in the window; the chain stands
      // still, so less and less often, down to one read in 8 passes' time (400 ms): about 15
      // reads, where the full pace would make 120.
      const watchReads = count('eth_getBlockByNumber') - headReads
      expect(watchReads).toBeGreaterThanOrEqual(5)
      expect(watchReads).toBeLessThanOrEqual(40)

      // The settlement's block is replaced by an empty one while nothing else is mined.
      await rpc('evm_setAutomine', [false])
      try {
        await rpc('anvil_reorg', [1, []])
        expect(await tokenBalance(manifest, manifest.accounts.payer.address)).toBe(
          payerAfter + BigInt(requirements.amount),
        )
        const stateOf = async () => (await facilitator.built.ledger.findTransaction(hash))?.state
        await waitFor(
          async () =>
            (await stateOf()) === 'broadcast' &&
            Boolean(
              await rpcClient(manifest.rpcUrl)
                .getTransaction({ hash })
                .catch(() => undefined),
            ),
          'the reorganised settlement to be sent again',
          3_000,
        )
      } finally {
        await rpc('evm_setAutomine', [true])
      }
      await rpc('evm_mine', [])
      // Recovery reads its receipt at the next tick, not at the next full pass seconds away.
      await waitFor(
        async () =>
          (await facilitator.built.ledger.recent({ limit: 1 }))[0]?.state === 'confirmed' &&
          (await facilitator.built.ledger.findTransaction(hash))?.state === 'mined',
        'the payment sent again to be confirmed',
        3_000,
      )
      expect(await tokenBalance(manifest, manifest.accounts.payer.address)).toBe(payerAfter)
    } finally {
      await facilitator.close()
    }
  })
})

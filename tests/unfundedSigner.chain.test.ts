/**
 * A fee payer that cannot pay gas: settle answers a retryable reason (a resource server's own
 * trouble, never the buyer's), the payment stays on its stored signed transaction instead of
 * failing, and once the signer is funded recovery lands those same bytes.
 */
import { codeOfReason, errorCodes } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { type DevStack, rpcClient } from 'tollgate'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRpcProxy } from './support/rpcProxy.ts'
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

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(() => stack?.stop())

const rpc = (method: string, params: unknown[]) =>
  rpcClient(stack.manifest.rpcUrl).request({ method: method as never, params: params as never })

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** A facilitator whose only signer has no gas money, sending one payment per transaction. */
async function startDryFacilitator(signer: { address: string; privateKey: Hex }, rpcUrl?: string) {
  await rpc('anvil_setBalance', [signer.address, '0x0'])
  return startFacilitator(stack, {
    signerKey: signer.privateKey,
    ...(rpcUrl ? { rpcUrl } : {}),
    receiptTimeoutMs: 1_000,
    batch: false,
    tuning: { recoveryIntervalMs: 100 },
  })
}

describe('a fee payer without gas money', () => {
  it('answers a retryable reason, keeps the payment, and settles it once funded', async () => {
    const { manifest } = stack
    const signer = ANVIL_ACCOUNTS[9]
    const facilitator = await startDryFacilitator(signer)
    const { built } = facilitator
    const requirements = weatherRequirements(manifest)
    const payerAddress = manifest.accounts.payer.address
    try {
      const payerBefore = await tokenBalance(manifest, payerAddress)
      const payload = await signPayment(manifest, requirements)
      const body = facilitatorBody(payload, requirements)
      const answer = await postFacilitator(facilitator.manifest, '/settle', body)
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({
        success: false,
        errorReason: 'facilitator_signer_unfunded',
      })
      const code = codeOfReason(String(answer.body.errorReason))
      expect(code && errorCodes[code].kind).toBe('unavailable')
      const hash = answer.body.transaction as Hex
      const [record] = await built.ledger.recent({ limit: 1 })
      expect(record).toMatchObject({ state: 'submitted', transaction: hash })
      // Recovery keeps trying the same bytes; nothing is replaced while the signer is dry.
      await new Promise((resolve) => setTimeout(resolve, 600))
      expect((await built.ledger.recent({ limit: 1 }))[0]?.state).toBe('submitted')
      const stored = await built.ledger.transactionsForNonce(
        manifest.network,
        signer.address,
        (await built.ledger.findTransaction(hash))!.nonce,
      )
      expect(stored.map((transaction) => transaction.hash)).toEqual([hash])

      await rpc('anvil_setBalance', [signer.address, `0x${(10n ** 19n).toString(16)}`])
      await waitUntil(
        async () => (await built.ledger.recent({ limit: 1 }))[0]?.state === 'confirmed',
      )
      expect((await built.ledger.recent({ limit: 1 }))[0]?.transaction).toBe(hash)
      expect(await tokenBalance(manifest, payerAddress)).toBe(
        payerBefore - BigInt(requirements.amount),
      )
      const again = await postFacilitator(facilitator.manifest, '/settle', body)
      expect(again.body).toMatchObject({ success: true, transaction: hash })
    } finally {
      await facilitator.close()
    }
  })

  it('keeps looking after a settle slower than two passes, though the facilitator was at rest', async () => {
    const { manifest } = stack
    const signer = ANVIL_ACCOUNTS[8]
    const proxy = await startRpcProxy({ upstreamUrl: manifest.rpcUrl })
    const facilitator = await startDryFacilitator(signer, proxy.url)
    const { built } = facilitator
    const requirements = weatherRequirements(manifest)
    try {
      const body = facilitatorBody(await signPayment(manifest, requirements), requirements)
      // The settle's reads before its transaction is stored take 0.8 s: the passes its arrival
      // brings find nothing open, the way a loaded machine makes them.
      proxy.setRules([
        {
          method: [
            'eth_call',
            'eth_getTransactionCount',
            'eth_estimateGas',
            'eth_getBlockByNumber',
          ],
          fault: { kind: 'delay', delayMs: 800 },
          times: 1,
        },
      ])
      const answer = await postFacilitator(facilitator.manifest, '/settle', body)
      proxy.clearRules()
      expect(answer.body).toMatchObject({ errorReason: 'facilitator_signer_unfunded' })
      await rpc('anvil_setBalance', [signer.address, `0x${(10n ** 19n).toString(16)}`])
      // Well inside the minute a facilitator at rest waits between full passes.
      await waitUntil(
        async () => (await built.ledger.recent({ limit: 1 }))[0]?.state === 'confirmed',
        20_000,
      )
      expect((await built.ledger.recent({ limit: 1 }))[0]?.transaction).toBe(
        answer.body.transaction,
      )
    } finally {
      await facilitator.close()
      await proxy.close()
    }
  }, 60_000)
})

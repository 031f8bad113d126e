/**
 * A settlement stuck below the base fee is replaced with a higher fee on the same nonce; every
 * hash is kept, and whichever lands settles the payment once. Above the fee cap nothing is
 * replaced and the payment stays pending, never failed.
 */
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { type DevStack, rpcClient } from 'tollgate'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startFacilitator,
  startTestStack,
  transferCount,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(() => stack?.stop())

const rpc = (method: string, params: unknown[]) =>
  rpcClient(stack.manifest.rpcUrl).request({ method: method as never, params: params as never })

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('a transaction stuck under the base fee', () => {
  it('is replaced with a higher fee and the payment settles once, with both hashes kept', async () => {
    const { manifest } = stack
    const signer = ANVIL_ACCOUNTS[5]
    const facilitator = await startFacilitator(stack, {
      signerKey: signer.privateKey,
      receiptTimeoutMs: 300,
      tuning: { stuckAfterMs: 2_000, recoveryIntervalMs: 200 },
    })
    const { built } = facilitator
    const requirements = weatherRequirements(manifest)
    const body = facilitatorBody(await signPayment(manifest, requirements), requirements)
    const before = await transferCount(
      manifest,
      manifest.accounts.payer.address,
      manifest.accounts.merchant.address,
    )
    await rpc('evm_setAutomine', [false])
    try {
      const first = await postFacilitator(facilitator.manifest, '/settle', body)
      expect(first.body).toMatchObject({ success: false, errorReason: 'settlement_pending' })
      const original = first.body.transaction as Hex
      // The next blocks cost far more than the transaction offers: it cannot be mined.
      const client = rpcClient(manifest.rpcUrl)
      const [sent] = (await built.ledger.openTransactions(manifest.network)).filter(
        (open) => open.hash === original,
      )
      const offered = BigInt(sent!.maxFeePerGas!)
      await rpc('anvil_setNextBlockBaseFeePerGas', [`0x${(offered * 4n).toString(16)}`])
      await rpc('evm_mine', [])
      expect(
        await client.getTransactionReceipt({ hash: original }).catch(() => undefined),
      ).toBeUndefined()
      await rpc('evm_setAutomine', [true])
      // Recovery notices it is stuck and replaces it on the same nonce with a fee that clears.
      await waitUntil(
        async () => (await built.ledger.findByKey(keyOf(body)))?.state === 'confirmed',
      )
      const record = await built.ledger.findByKey(keyOf(body))
      expect(record?.transaction).not.toBe(original)
      const replacement = await client.getTransaction({ hash: record!.transaction as Hex })
      const stored = await built.ledger.transactionsForNonce(
        manifest.network,
        signer.address,
        replacement.nonce,
      )
      expect(stored.map((transaction) => transaction.hash)).toContain(original)
      expect(stored.map((transaction) => transaction.hash)).toContain(record!.transaction)
      expect(replacement.maxFeePerGas! > offered).toBe(true)
      const retry = await postFacilitator(facilitator.manifest, '/settle', body)
      expect(retry.body).toMatchObject({ success: true, transaction: record!.transaction })
      expect(
        await transferCount(
          manifest,
          manifest.accounts.payer.address,
          manifest.accounts.merchant.address,
        ),
      ).toBe(before + 1)
    } finally {
      await rpc('evm_setAutomine', [true])
      await facilitator.close()
    }
  })
})

describe('a stuck transaction whose replacement would pass the fee cap', () => {
  it('is not replaced: the payment stays pending, never failed, and settles when fees fall', async () => {
    const { manifest } = stack
    const signer = ANVIL_ACCOUNTS[6]
    const client = rpcClient(manifest.rpcUrl)
    const fees = await client.estimateFeesPerGas()
    const facilitator = await startFacilitator(stack, {
      signerKey: signer.privateKey,
      receiptTimeoutMs: 300,
      // The cap is the fee of the first send: no replacement can fit under it.
      tuning: { stuckAfterMs: 300, recoveryIntervalMs: 100, maxFeePerGasCap: fees.maxFeePerGas },
    })
    const { built } = facilitator
    const requirements = weatherRequirements(manifest)
    const body = facilitatorBody(await signPayment(manifest, requirements), requirements)
    const before = await transferCount(
      manifest,
      manifest.accounts.payer.address,
      manifest.accounts.merchant.address,
    )
    await rpc('evm_setAutomine', [false])
    try {
      const first = await postFacilitator(facilitator.manifest, '/settle', body)
      expect(first.body).toMatchObject({ errorReason: 'settlement_pending' })
      const original = first.body.transaction as Hex
      const { maxFeePerGas: offered, nonce } = await client.getTransaction({ hash: original })
      await rpc('anvil_setNextBlockBaseFeePerGas', [`0x${(offered! * 8n).toString(16)}`])
      await rpc('evm_mine', [])
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      const stuck = await built.ledger.findByKey(keyOf(body))
      expect(stuck).toMatchObject({ state: 'pending', transaction: original })
      expect(
        await built.ledger.transactionsForNonce(manifest.network, signer.address, nonce),
      ).toHaveLength(1)
      expect((await postFacilitator(facilitator.manifest, '/settle', body)).body).toMatchObject({
        success: false,
        errorReason: 'settlement_pending',
        transaction: original,
      })
      // Fees fall back: the original transaction is mined after all.
      await rpc('anvil_setNextBlockBaseFeePerGas', ['0x1'])
      await rpc('evm_setAutomine', [true])
      await rpc('evm_mine', [])
      await waitUntil(
        async () => (await built.ledger.findByKey(keyOf(body)))?.state === 'confirmed',
      )
      // The same signed transaction, sent again by recovery, is the one mined.
      const settled = await postFacilitator(facilitator.manifest, '/settle', body)
      expect(settled.body).toMatchObject({ success: true, transaction: original })
      expect(
        await transferCount(
          manifest,
          manifest.accounts.payer.address,
          manifest.accounts.merchant.address,
        ),
      ).toBe(before + 1)
    } finally {
      await rpc('evm_setAutomine', [true])
      await facilitator.close()
    }
  })
})

function keyOf(body: ReturnType<typeof facilitatorBody>): string {
  const { from, nonce } = body.paymentPayload.payload.authorization as {
    from: string
    nonce: string
  }
  return [body.paymentRequirements.network, body.paymentRequirements.asset, from, nonce]
    .join('|')
    .toLowerCase()
}

/**
 * A settlement whose block is reorganised away goes back to submitted, is sent again with the
 * same signed bytes (one debit on the surviving chain), and is never answered as success while
 * the chain lacks it; later payments are not stuck behind the nonce it left. With a confirmation
 * depth, a payment is included first and confirmed as blocks arrive.
 *
 * Anvil 1.7 (`anvil_reorg`, `evm_revert`) drops the reorganised transactions: they are neither
 * mined again nor kept in the pool, so only the facilitator's resend brings them back.
 */
import { finalityOf, type PaymentPayload, type PaymentRequirements } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { type BuiltFacilitator, buildFacilitator, type DevStack, listen, rpcClient } from 'tollgate'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startRpcProxy } from './support/rpcProxy.ts'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startTestStack,
  tokenBalance,
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

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

/** A facilitator of its own for the stack's chain, watching every 100 ms. */
async function startWatchingFacilitator(options: {
  signerKey: Hex
  confirmationDepth?: number
  batch?: { maxSize: number; maxWaitMs: number } | false
  receiptTimeoutMs?: number
  rpcUrl?: string
}) {
  const { manifest } = stack
  const built: BuiltFacilitator = await buildFacilitator({
    networks: [
      {
        network: manifest.network,
        rpcUrl: options.rpcUrl ?? manifest.rpcUrl,
        signerKeys: [options.signerKey],
        assets: [manifest.asset],
        multicall3: manifest.multicall3,
        confirmationDepth: options.confirmationDepth,
      },
    ],
    receiptTimeoutMs: options.receiptTimeoutMs ?? 1_500,
    batch: options.batch ?? false,
    chainOptions: { eip155: { tuning: { recoveryIntervalMs: 100 } } },
    app: { metrics: {} },
  })
  const server = await listen(built.app, 0)
  const facilitatorManifest = { ...manifest, facilitatorUrl: server.url }
  return {
    built,
    /** The value of a sample on GET /metrics. */
    async metric(name: string): Promise<number | undefined> {
      const text = await (await fetch(`${server.url}/metrics`)).text()
      const line = text.split('\n').find((candidate) => candidate.startsWith(`${name}{`))
      return line === undefined ? undefined : Number(line.split(' ').pop())
    },
    settle: (payload: PaymentPayload, requirements: PaymentRequirements) =>
      postFacilitator(facilitatorManifest, '/settle', facilitatorBody(payload, requirements)),
    stateOf: async (payload: PaymentPayload) =>
      (await built.ledger.recent({ limit: 50 })).find(
        (payment) =>
          (payment.payment.paymentPayload.payload as { signature: string }).signature ===
          (payload.payload as { signature: string }).signature,
      ),
    async close() {
      await server.close()
      await built.close()
    },
  }
}

const payer = () => stack.manifest.accounts.payer.address
const merchant = () => stack.manifest.accounts.merchant.address

describe('a settlement reorganised away', () => {
  it('goes back to submitted, answers pending in the gap, and lands again with the same bytes', async () => {
    const { manifest } = stack
    const facilitator = await startWatchingFacilitator({ signerKey: ANVIL_ACCOUNTS[6].privateKey })
    const requirements = weatherRequirements(manifest)
    const amount = BigInt(requirements.amount)
    try {
      const payerBefore = await tokenBalance(manifest, payer())
      const merchantBefore = await tokenBalance(manifest, merchant())
      const transfersBefore = await transferCount(manifest, payer(), merchant())
      const first = await signPayment(manifest, requirements)
      const settled = await facilitator.settle(first, requirements)
      expect(settled.body).toMatchObject({ success: true })
      const hash = settled.body.transaction as Hex
      expect(finalityOf(settled.body as never)).toEqual({
        state: 'confirmed',
        confirmations: 0,
        required: 0,
      })
      expect(await tokenBalance(manifest, payer())).toBe(payerBefore - amount)

      // The block holding the settlement is replaced by an empty one; nothing is mined meanwhile.
      await rpc('evm_setAutomine', [false])
      try {
        await rpc('anvil_reorg', [1, []])
        expect(await tokenBalance(manifest, payer())).toBe(payerBefore)
        await waitUntil(async () => (await facilitator.stateOf(first))?.state === 'submitted')
        expect((await facilitator.stateOf(first))?.transaction).toBe(hash)
        const stored = await facilitator.built.ledger.findTransaction(hash)
        expect(stored?.state).toBe('broadcast')
        expect(stored?.blockNumber).toBeUndefined()
        // Sent again: the same signed transaction is back in the node's pool.
        await waitUntil(async () =>
          Boolean(
            await rpcClient(manifest.rpcUrl)
              .getTransaction({ hash })
              .catch(() => undefined),
          ),
        )

        const again = await facilitator.settle(first, requirements)
        expect(again.body).toMatchObject({
          success: false,
          errorReason: 'settlement_pending',
          transaction: hash,
        })

        // A later payment takes the next nonce, behind the gap the reorganisation left.
        const second = await signPayment(manifest, requirements)
        const later = await facilitator.settle(second, requirements)
        expect(later.body).toMatchObject({ success: false, errorReason: 'settlement_pending' })
        await rpc('evm_mine', [])
      } finally {
        await rpc('evm_setAutomine', [true])
      }

      await waitUntil(async () => (await facilitator.stateOf(first))?.state === 'confirmed')
      const record = await facilitator.stateOf(first)
      expect(record?.transaction).toBe(hash)
      const receipt = await rpcClient(manifest.rpcUrl).getTransactionReceipt({ hash })
      expect(receipt.status).toBe('success')
      await waitUntil(async () => {
        const payments = await facilitator.built.ledger.recent({ limit: 2 })
        return payments.every((payment) => payment.state === 'confirmed')
      })
      // Each payment debited once on the surviving chain.
      expect(await tokenBalance(manifest, payer())).toBe(payerBefore - 2n * amount)
      expect(await tokenBalance(manifest, merchant())).toBe(merchantBefore + 2n * amount)
      expect(await transferCount(manifest, payer(), merchant())).toBe(transfersBefore + 2)
      const replay = await facilitator.settle(first, requirements)
      expect(replay.body).toMatchObject({ success: true, transaction: hash })
      expect(
        await facilitator.metric('tollgate_facilitator_reorganised_settlements_total'),
      ).toBeGreaterThanOrEqual(1)
    } finally {
      await facilitator.close()
    }
  })

  it('a batch reverted away is sent again as one transaction and settles every payment once', async () => {
    const { manifest } = stack
    const facilitator = await startWatchingFacilitator({
      signerKey: ANVIL_ACCOUNTS[7].privateKey,
      batch: { maxSize: 10, maxWaitMs: 200 },
    })
    const requirements = weatherRequirements(manifest)
    const amount = BigInt(requirements.amount)
    try {
      const payerBefore = await tokenBalance(manifest, payer())
      const snapshot = await rpc('evm_snapshot', [])
      const payloads = await Promise.all([0, 1, 2].map(() => signPayment(manifest, requirements)))
      const answers = await Promise.all(
        payloads.map((payload) => facilitator.settle(payload, requirements)),
      )
      const hashes = new Set(answers.map((answer) => answer.body.transaction))
      expect(answers.every((answer) => answer.body.success === true)).toBe(true)
      expect(hashes.size).toBe(1)
      const [hash] = [...hashes] as Hex[]
      expect(await tokenBalance(manifest, payer())).toBe(payerBefore - 3n * amount)

      // The chain goes back to before the batch; automine lands the resent bytes at once.
      await rpc('evm_revert', [snapshot])
      expect(await tokenBalance(manifest, payer())).toBe(payerBefore)
      await waitUntil(async () => {
        const receipt = await rpcClient(manifest.rpcUrl)
          .getTransactionReceipt({ hash: hash! })
          .catch(() => undefined)
        return receipt?.status === 'success'
      })
      await waitUntil(async () => {
        const records = await Promise.all(payloads.map((payload) => facilitator.stateOf(payload)))
        return records.every((record) => record?.state === 'confirmed')
      })
      for (const payload of payloads)
        expect((await facilitator.stateOf(payload))?.transaction).toBe(hash)
      expect(await tokenBalance(manifest, payer())).toBe(payerBefore - 3n * amount)
      const stored = await facilitator.built.ledger.findTransaction(hash!)
      expect(stored?.state).toBe('mined')
    } finally {
      await facilitator.close()
    }
  })
})

describe('a confirmation depth', () => {
  it('answers included at first, and confirmed once the blocks on top reach the depth', async () => {
    const { manifest } = stack
    const facilitator = await startWatchingFacilitator({
      signerKey: ANVIL_ACCOUNTS[8].privateKey,
      confirmationDepth: 3,
    })
    const requirements = weatherRequirements(manifest)
    try {
      const payload = await signPayment(manifest, requirements)
      const settled = await facilitator.settle(payload, requirements)
      expect(settled.body).toMatchObject({ success: true })
      expect(finalityOf(settled.body as never)).toEqual({
        state: 'included',
        confirmations: 0,
        required: 3,
      })
      expect((await facilitator.stateOf(payload))?.state).toBe('included')
      await rpc('anvil_mine', ['0x1'])
      const second = await facilitator.settle(payload, requirements)
      expect(second.body).toMatchObject({ success: true, transaction: settled.body.transaction })
      expect(finalityOf(second.body as never)).toEqual({
        state: 'included',
        confirmations: 1,
        required: 3,
      })
      // Two blocks on top: still short of the depth, whatever the watch does meanwhile.
      await rpc('anvil_mine', ['0x1'])
      await new Promise((resolve) => setTimeout(resolve, 500))
      expect((await facilitator.stateOf(payload))?.state).toBe('included')
      await rpc('anvil_mine', ['0x1'])
      await waitUntil(async () => (await facilitator.stateOf(payload))?.state === 'confirmed')
      const third = await facilitator.settle(payload, requirements)
      expect(finalityOf(third.body as never)).toEqual({
        state: 'confirmed',
        confirmations: 3,
        required: 3,
      })
    } finally {
      await facilitator.close()
    }
  })
})

describe('receipts the RPC fails to return', () => {
  it('leave a mined settlement watched: recovery never takes it for a lost one', async () => {
    const { manifest } = stack
    const proxy = await startRpcProxy({ upstreamUrl: manifest.rpcUrl, seed: 1 })
    // No receipt can be read, not even in the send's answer (EIP-7966), which is lost.
    proxy.setRules([
      { method: 'eth_getTransactionReceipt', fault: { kind: 'error', status: 503 } },
      { method: 'eth_sendRawTransactionSync', fault: { kind: 'drop-response', mode: 'destroy' } },
    ])
    const facilitator = await startWatchingFacilitator({
      signerKey: ANVIL_ACCOUNTS[9].privateKey,
      rpcUrl: proxy.url,
      receiptTimeoutMs: 500,
    })
    const requirements = weatherRequirements(manifest)
    try {
      const transfersBefore = await transferCount(manifest, payer(), merchant())
      const payload = await signPayment(manifest, requirements)
      const first = await facilitator.settle(payload, requirements)
      expect(first.body).toMatchObject({ success: false, errorReason: 'settlement_pending' })
      const hash = first.body.transaction as Hex
      const mined = await rpcClient(manifest.rpcUrl).getTransactionReceipt({ hash })
      expect(mined.status).toBe('success')
      // Recovery passes every 100 ms meanwhile; the signer's nonce on chain has moved on.
      await new Promise((resolve) => setTimeout(resolve, 1_500))
      expect((await facilitator.built.ledger.findTransaction(hash))?.state).toBe('broadcast')
      expect((await facilitator.stateOf(payload))?.state).toBe('pending')

      proxy.clearRules()
      await waitUntil(async () => (await facilitator.stateOf(payload))?.state === 'confirmed')
      const stored = await facilitator.built.ledger.findTransaction(hash)
      expect(stored).toMatchObject({ state: 'mined', blockHash: mined.blockHash.toLowerCase() })

      // Watched: a reorganisation of its block is found, and the same bytes land again.
      await rpc('anvil_reorg', [1, []])
      // Automine lands the resent bytes at once, so the submitted state in between is brief.
      await waitUntil(async () => {
        const receipt = await rpcClient(manifest.rpcUrl)
          .getTransactionReceipt({ hash })
          .catch(() => undefined)
        return receipt !== undefined && receipt.blockHash !== mined.blockHash
      })
      await waitUntil(async () => {
        const transaction = await facilitator.built.ledger.findTransaction(hash)
        return transaction?.state === 'mined' && transaction.blockHash !== stored?.blockHash
      })
      await waitUntil(async () => (await facilitator.stateOf(payload))?.state === 'confirmed')
      expect(await facilitator.metric('tollgate_facilitator_reorganised_settlements_total')).toBe(1)
      expect(await transferCount(manifest, payer(), merchant())).toBe(transfersBefore + 1)
    } finally {
      await facilitator.close()
      await proxy.close()
    }
  })
})

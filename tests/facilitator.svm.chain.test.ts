/**
 * Goal: a Solana payment settles once, whatever happens to the facilitator that settled it. A
 * facilitator restarted on the same ledger folder answers the same payment, and a re-encoded
 * copy of it, with the original signature, and no second transfer happens. Method: the dev
 * stack's embedded Solana devnet; facilitators built in this process on one PGlite folder, the
 * first closed before the second opens it; balances read from the chain.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PaymentPayload } from '@tollgate/core'
import { svmSignerFromSecretKey } from '@tollgate/svm'
import { buildFacilitator, type DevStack, listen } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ourSolanaClient, solanaWeatherRequirements, splBalances } from './support/solana.ts'
import { facilitatorBody, postFacilitator, startTestStack } from './support/stack.ts'

let stack: DevStack
let ledgerDir: string

beforeAll(async () => {
  stack = await startTestStack()
  ledgerDir = join(await mkdtemp(join(tmpdir(), 'tollgate-svm-restart-')), 'ledger')
})
afterAll(() => stack?.stop())

/** A Solana-only facilitator on the stack's devnet, with its ledger in `ledgerDir`. */
async function startSolanaFacilitator() {
  const { solana } = stack.manifest
  const built = await buildFacilitator({
    networks: [
      {
        network: solana.network,
        rpcUrl: solana.rpcUrl,
        feePayers: [await svmSignerFromSecretKey(stack.solanaDevnet.feePayer.secretKey)],
        assets: [{ address: solana.mint, decimals: solana.decimals, symbol: 'USDC' }],
      },
    ],
    ledger: { dataDir: ledgerDir },
  })
  const server = await listen(built.app, 0)
  return {
    manifest: { ...stack.manifest, facilitatorUrl: server.url },
    async close() {
      await server.close()
      await built.close()
    },
  }
}

/** The same transaction with other bytes in the fee payer's (empty) signature slot. */
function reencoded(payment: PaymentPayload): PaymentPayload {
  const bytes = Buffer.from(String(payment.payload.transaction), 'base64')
  bytes.set(crypto.getRandomValues(new Uint8Array(64)), 1)
  return { ...payment, payload: { transaction: bytes.toString('base64') } }
}

describe('Solana settlement across a facilitator restart', () => {
  it('answers the same payment and a re-encoded copy with the original signature, once', async () => {
    const requirements = solanaWeatherRequirements(stack)
    const client = await ourSolanaClient(stack)
    const payment: PaymentPayload = {
      x402Version: 2,
      resource: { url: `${stack.manifest.exampleApiUrl}/weather` },
      accepted: requirements,
      payload: await client.createPayload(requirements, { x402Version: 2 }),
    }
    const before = await splBalances(stack)

    const first = await startSolanaFacilitator()
    let settled: Record<string, unknown>
    try {
      const answer = await postFacilitator(
        first.manifest,
        '/settle',
        facilitatorBody(payment, requirements),
      )
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ success: true, network: requirements.network })
      settled = answer.body
    } finally {
      await first.close()
    }

    const second = await startSolanaFacilitator()
    try {
      for (const copy of [payment, reencoded(payment)]) {
        const again = await postFacilitator(
          second.manifest,
          '/settle',
          facilitatorBody(copy, requirements),
        )
        expect(again).toEqual({ status: 200, body: settled })
      }
    } finally {
      await second.close()
    }

    const after = await splBalances(stack)
    const amount = BigInt(requirements.amount)
    expect([before.payer - after.payer, after.merchant - before.merchant]).toEqual([amount, amount])
  })
})

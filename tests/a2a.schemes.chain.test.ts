/**
 * The usage-based and voucher schemes over A2A as over HTTP: a merchant agent priced with `upto`
 * charges what the task used (at most what was authorized), and one priced with
 * `batch-settlement` is paid for several tasks from one channel deposit, a voucher per task.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectAgent, hireAgent } from '@tollgate/a2a'
import type { PaymentOutcome } from '@tollgate/client'
import {
  batchSettlementEvmClient,
  batchSettlementEvmServer,
  FolderChannelStore,
  uptoEvmClient,
  uptoEvmServer,
} from '@tollgate/evm'
import type { DevStack } from 'tollgate'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type A2aMerchant, startA2aMerchant } from './support/a2aMerchant.ts'
import { payerAccount, startTestStack, tokenBalance } from './support/stack.ts'

let stack: DevStack
const merchants: A2aMerchant[] = []

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(async () => {
  for (const merchant of merchants) await merchant.close()
  await stack?.stop()
})

describe('upto over A2A', () => {
  it('charges the usage the work reports, not the maximum authorized', async () => {
    const { manifest } = stack
    const assets = { [manifest.network]: manifest.asset }
    const merchant = await startA2aMerchant(
      manifest,
      await mkdtemp(join(tmpdir(), 'tollgate-a2a-upto-')),
      async (task) => ({ text: `Used 3 of 10 units for: ${task.text}`, charge: '3000' }),
      {
        schemes: [uptoEvmServer({ assets })],
        pricing: {
          accepts: [
            {
              scheme: 'upto',
              price: '$0.01',
              network: manifest.network,
              payTo: manifest.accounts.merchant.address,
            },
          ],
        },
      },
    )
    merchants.push(merchant)
    const signer = payerAccount(manifest)
    const before = await tokenBalance(manifest, signer.address)
    const hired = await hireAgent(await connectAgent(merchant.url), 'Count something', {
      schemes: [uptoEvmClient({ signer, assets })],
    })
    expect(hired.outcome?.state).toBe('settled')
    expect(hired.outcome?.payment.accepted).toMatchObject({ scheme: 'upto', amount: '10000' })
    expect(hired.receipt).toMatchObject({ success: true, amount: '3000' })
    expect(hired.text).toContain('Used 3 of 10 units')
    expect(before - (await tokenBalance(manifest, signer.address))).toBe(3000n)
  })
})

describe('batch-settlement over A2A', () => {
  it('pays several tasks from one deposit, a voucher each', async () => {
    const { manifest } = stack
    const assets = { [manifest.network]: manifest.asset }
    const runs: string[] = []
    const scheme = batchSettlementEvmServer({
      assets: { [manifest.network]: { ...manifest.asset, address: manifest.asset.address as Hex } },
      store: new FolderChannelStore(await mkdtemp(join(tmpdir(), 'tollgate-a2a-channels-'))),
    })
    const merchant = await startA2aMerchant(
      manifest,
      await mkdtemp(join(tmpdir(), 'tollgate-a2a-batch-')),
      async (task) => {
        runs.push(task.text)
        return { text: `Joke #${runs.length}` }
      },
      {
        schemes: [scheme],
        pricing: {
          accepts: [
            {
              scheme: 'batch-settlement',
              price: '$0.001',
              network: manifest.network,
              payTo: manifest.accounts.merchant.address,
            },
          ],
        },
      },
    )
    merchants.push(merchant)
    const signer = payerAccount(manifest)
    const client = batchSettlementEvmClient({ signer, assets })
    const before = await tokenBalance(manifest, signer.address)
    const outcomes: PaymentOutcome[] = []
    const balances: bigint[] = []
    for (const ask of ['one', 'two', 'three']) {
      const hired = await hireAgent(await connectAgent(merchant.url), `Tell joke ${ask}`, {
        schemes: [client],
        onOutcome: (outcome) => outcomes.push(outcome),
      })
      expect(hired.outcome?.state).toBe('settled')
      balances.push(await tokenBalance(manifest, signer.address))
    }
    expect(runs).toEqual(['Tell joke one', 'Tell joke two', 'Tell joke three'])
    expect(outcomes.map((outcome) => outcome.payment.accepted.scheme)).toEqual([
      'batch-settlement',
      'batch-settlement',
      'batch-settlement',
    ])
    // One deposit left the wallet with the first task; the later ones were paid with vouchers.
    expect(before - balances[0]!).toBeGreaterThanOrEqual(3000n)
    expect(balances[2]).toBe(balances[0])
    const charged = outcomes.map((outcome) =>
      outcome.state === 'settled' ? outcome.receipt?.extra?.chargedAmount : undefined,
    )
    expect(charged).toEqual(['1000', '1000', '1000'])
  })
})

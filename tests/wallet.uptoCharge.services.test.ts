/**
 * Goal: a wallet counts a usage-based (`upto`) payment at its authorized maximum until it is
 * settled, then at the charge its receipt names (never more than reserved), in every store.
 * Method: a spending guard over the memory, journal and PostgreSQL stores; receipts handed in as
 * a paying client would.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PaymentPayload, PaymentRequirements } from '@tollgate/core'
import { SpendStore, spendingGuard, spendingPolicySchema } from '@tollgate/wallet'
import { describe, expect, it } from 'vitest'
import { postgresUrl, uniqueSchema } from './support/services.ts'

const requirements: PaymentRequirements = {
  scheme: 'upto',
  network: 'eip155:31337',
  amount: '10000',
  asset: '0x0000000000000000000000000000000000000001',
  payTo: '0x0000000000000000000000000000000000000002',
  maxTimeoutSeconds: 60,
}
const asset = { symbol: 'USDC', decimals: 6, usdPegged: true }
const payment: PaymentPayload = { x402Version: 2, accepted: requirements, payload: {} }

describe.each([
  ['memory', () => SpendStore.open()],
  ['journal', async () => SpendStore.open({ dataDir: await mkdtemp(join(tmpdir(), 'spend-')) })],
  [
    'PostgreSQL',
    () => SpendStore.open({ databaseUrl: postgresUrl, schema: uniqueSchema('upto_charge') }),
  ],
])('usage-based payments in the %s store', (_name, open) => {
  it('count at the maximum until settled, then at the charge the receipt names', async () => {
    const store = await open()
    const budget = { limit: 25_000n }
    const policy = spendingPolicySchema.parse({ budgets: [{ limit: '$0.025' }] })
    expect(policy.budgets[0]!.limit).toBe(budget.limit)
    const guard = spendingGuard({ store, policy })
    const first = await guard.authorize({ url: 'http://api/llm', requirements, asset })
    const second = await guard.authorize({ url: 'http://api/llm', requirements, asset })
    // Two maxima reserved: a third would pass $0.025.
    await expect(guard.authorize({ url: 'http://api/llm', requirements, asset })).rejects.toThrow(
      /would exceed/,
    )
    await first.finished({
      state: 'settled',
      payment,
      attempts: 1,
      receipt: {
        success: true,
        transaction: '0x01',
        network: requirements.network,
        amount: '2500',
      },
    })
    expect(await store.spent(policy.budgets[0]!)).toBe(12_500n)
    // The charge freed the rest of the first maximum.
    await guard.authorize({ url: 'http://api/llm', requirements, asset })
    // A receipt never raises what was reserved.
    await second.finished({
      state: 'settled',
      payment,
      attempts: 1,
      receipt: {
        success: true,
        transaction: '0x02',
        network: requirements.network,
        amount: '99999',
      },
    })
    expect(await store.spent(policy.budgets[0]!)).toBe(22_500n)
    await store.close()
  })
})

/**
 * Budgets in the spending store, in memory and in a journal folder: what counts, per window and
 * per host, and that concurrent reservations cannot together exceed a budget.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseSpendingPolicy } from './policy.ts'
import { SpendStore } from './spendStore.ts'
import { spendRequest } from './testing/spendRequest.ts'

const request = spendRequest

describe.each([
  ['in memory', async () => SpendStore.open()],
  [
    'in a journal folder',
    async () => SpendStore.open({ dataDir: await mkdtemp(join(tmpdir(), 'tollgate-spend-')) }),
  ],
])('SpendStore %s', (_, openStore) => {
  let store: SpendStore
  beforeAll(async () => {
    store = await openStore()
  })
  afterAll(() => store?.close())

  it('lets concurrent reservations fill a budget and no more', async () => {
    const { budgets } = parseSpendingPolicy({
      budgets: [{ limit: '$0.05', per: 'day', host: 'burst.example' }],
    })
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        store.reserve(request({ host: 'burst.example', url: 'https://burst.example/a' }), budgets),
      ),
    )
    expect(results.filter((result) => result.ok)).toHaveLength(5)
    const refused = results.find((result) => !result.ok)
    expect(refused).toMatchObject({ ok: false, spentMicros: 50_000n, host: 'burst.example' })
  })

  it('counts a failed payment until its authorization expires, and never an abandoned one', async () => {
    const host = 'failures.example'
    const { budgets } = parseSpendingPolicy({ budgets: [{ limit: '$0.02', eachHost: true }] })
    const first = await store.reserve(request({ host }), budgets)
    const second = await store.reserve(request({ host, validForSeconds: -120 }), budgets)
    if (!first.ok || !second.ok) throw new Error('both fit the budget')
    // The first failed but could still be settled by whoever holds it; the second has expired.
    await store.update(first.id, { state: 'failed', reason: 'invalid_exact_evm_payload_signature' })
    await store.update(second.id, { state: 'failed', reason: 'insufficient_funds' })
    expect(await store.spent(budgets[0]!, host)).toBe(10_000n)
    const third = await store.reserve(request({ host }), budgets)
    if (!third.ok) throw new Error('fits')
    await store.update(third.id, { state: 'abandoned', reason: 'signing failed' })
    expect(await store.spent(budgets[0]!, host)).toBe(10_000n)
    // Per host: another host has its own budget.
    expect((await store.reserve(request({ host: 'other.example' }), budgets)).ok).toBe(true)
  })

  it('records the outcome and lists newest first', async () => {
    const reserved = await store.reserve(
      request({ host: 'list.example', url: 'https://list.example/x' }),
      [],
    )
    if (!reserved.ok) throw new Error('no budgets')
    await store.update(reserved.id, { state: 'signed', paymentIdentifier: 'pay_0123456789abcdef' })
    await store.update(reserved.id, {
      state: 'settled',
      transaction: `0x${'ab'.repeat(32)}`,
      payer: '0x857b06519e91e3a54538791bdbb0e22373e36b66',
    })
    const [latest] = await store.list({ limit: 1 })
    expect(latest).toMatchObject({
      id: reserved.id,
      url: 'https://list.example/x',
      usd: '0.01',
      amount: '10000',
      state: 'settled',
      transaction: `0x${'ab'.repeat(32)}`,
    })
    expect(await store.hostsWithin({ limit: 1n, per: 'day' })).toContain('list.example')
  })
})

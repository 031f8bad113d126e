/**
 * Goal: the in-memory settlement records give one claimant per payment, hand an abandoned claim
 * to another process only after its lease, and forget finished payments only after retention.
 */
import { type MessagePaymentDetails, reasonOf } from '@tollgate/core'
import { describe, expect, it } from 'vitest'
import { InMemoryMessageSettlementRecords } from './records.ts'

const requirements = {
  scheme: 'exact',
  network: 'solana:test',
  amount: '1000',
  asset: 'mint',
  payTo: 'merchant',
  maxTimeoutSeconds: 60,
}
const payment: MessagePaymentDetails = {
  scheme: 'exact',
  payer: 'buyer',
  payTo: 'merchant',
  asset: 'mint',
  amount: '1000',
  payment: {
    paymentPayload: { x402Version: 2, accepted: requirements, payload: { transaction: 'AA==' } },
    paymentRequirements: requirements,
  },
}
const released = { reason: reasonOf('SVM_EXACT_SIMULATION_FAILED') }

const submission = { transaction: 'sig', raw: 'AA==', blockhash: 'hash', payer: 'buyer' }
const success = { success: true, transaction: 'sig', network: 'solana:test' }

describe('InMemoryMessageSettlementRecords', () => {
  it('claims once, then answers with the record through every state', async () => {
    let now = 0
    const records = new InMemoryMessageSettlementRecords({ now: () => now, retentionMs: 1_000 })
    const claim = { network: 'solana:test', owner: 'a', leaseMs: 100, payment }
    expect((await records.claim('h', claim)).status).toBe('claimed')
    expect(await records.claim('h', { ...claim, owner: 'b' })).toMatchObject({
      status: 'existing',
      record: { state: 'claimed', owner: 'a' },
    })
    await records.submit('h', submission)
    now = 500
    expect(await records.claim('h', { ...claim, owner: 'b' })).toMatchObject({
      status: 'existing',
      record: { state: 'submitted', transaction: 'sig', raw: 'AA==' },
    })
    await records.finish('h', success)
    expect(await records.get('h')).toMatchObject({ state: 'finished', outcome: success })
    now = 1_400
    expect((await records.claim('h', claim)).status).toBe('existing')
    now = 2_600
    expect((await records.claim('h', claim)).status).toBe('claimed')
  })

  it('lets another process take a claim whose lease ran out before submission', async () => {
    let now = 0
    const records = new InMemoryMessageSettlementRecords({ now: () => now })
    await records.claim('h', { network: 'solana:test', owner: 'a', leaseMs: 100, payment })
    now = 101
    expect(
      (await records.claim('h', { network: 'solana:test', owner: 'b', leaseMs: 100, payment }))
        .status,
    ).toBe('claimed')
  })

  it('releases only an unsubmitted claim, and only for its owner', async () => {
    const records = new InMemoryMessageSettlementRecords()
    await records.claim('h', { network: 'solana:test', owner: 'a', leaseMs: 100, payment })
    await records.release('h', 'b', released)
    expect(await records.get('h')).toBeDefined()
    await records.release('h', 'a', released)
    expect(await records.get('h')).toBeUndefined()
    await records.claim('h', { network: 'solana:test', owner: 'a', leaseMs: 100, payment })
    await records.submit('h', submission)
    await records.release('h', 'a', released)
    expect((await records.get('h'))?.state).toBe('submitted')
  })

  it('keeps an included answer until finished, and takes it back to submitted', async () => {
    const records = new InMemoryMessageSettlementRecords()
    const claim = { network: 'solana:test', owner: 'a', leaseMs: 100, payment }
    await records.claim('h', claim)
    await records.submit('h', submission)
    await records.include('h', success)
    expect(await records.claim('h', claim)).toMatchObject({
      status: 'existing',
      record: { state: 'included', outcome: success },
    })
    await records.revert('h')
    const reverted = await records.get('h')
    expect([reverted?.state, reverted?.outcome, reverted?.raw]).toEqual([
      'submitted',
      undefined,
      'AA==',
    ])
    await records.finish('h', success)
    await records.revert('h')
    expect(await records.get('h')).toMatchObject({ state: 'finished', outcome: success })
  })
})

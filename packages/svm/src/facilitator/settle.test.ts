/**
 * Goal: one payment, one transaction, one answer; and no failure reported while the
 * transaction may still land. Method: a fake cluster whose statuses, blockhash validity and
 * send errors each test sets; the fee payer counts its signatures.
 */
import { getBase64Decoder, getBase64Encoder } from '@solana/kit'
import { isTollgateError, reasonOf } from '@tollgate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { RpcFault, withContext } from '../testing/fakeRpc.ts'
import {
  encodeTransaction,
  facilitatorOn,
  healthyChain,
  paymentOf,
  requirementsOf,
  type SvmFixture,
  standardInstructions,
  svmFixture,
} from '../testing/fixtures.ts'

let fixture: SvmFixture
beforeAll(async () => {
  fixture = await svmFixture()
})

const landed = (err: unknown = null) =>
  withContext([{ slot: 2, confirmations: 1, err, confirmationStatus: 'confirmed' }])
const unknownStatus = () => withContext([null])

async function setup() {
  const chain = healthyChain()
  const { facilitator, signatures } = facilitatorOn(fixture, chain)
  const requirements = requirementsOf(fixture)
  const transaction = await encodeTransaction(fixture, await standardInstructions(fixture))
  const payment = paymentOf(requirements, transaction)
  const settle = (copy = transaction) =>
    facilitator.settle(paymentOf(requirements, copy), requirements)
  return { chain, facilitator, signatures, requirements, transaction, payment, settle }
}

describe('exact SVM settle', () => {
  it('answers a repeat, a re-encoded and a re-signed copy with the same transaction', async () => {
    const { chain, signatures, transaction, settle } = await setup()
    const first = await settle()
    expect(first).toMatchObject({ success: true, payer: fixture.buyer.address })
    const bytes = Uint8Array.from(getBase64Encoder().encode(transaction))
    bytes.set(crypto.getRandomValues(new Uint8Array(64)), 1)
    const reencoded = getBase64Decoder().decode(bytes)
    const resigned = String(
      chain.calls.find((call) => call.method === 'sendTransaction')?.params[0],
    )
    expect(resigned).not.toBe(transaction)
    for (const copy of [transaction, reencoded, resigned]) expect(await settle(copy)).toEqual(first)
    expect([signatures(), chain.count('sendTransaction')]).toEqual([1, 1])
  })

  it('gives concurrent settles of one payment one transaction and the same answer', async () => {
    const { chain, signatures, settle } = await setup()
    const answers = await Promise.all([settle(), settle(), settle()])
    expect(answers[0]?.success).toBe(true)
    expect(answers[1]).toEqual(answers[0])
    expect(answers[2]).toEqual(answers[0])
    expect([
      signatures(),
      chain.count('sendTransaction'),
      chain.count('simulateTransaction'),
    ]).toEqual([1, 1, 1])
  })

  it('answers pending while the blockhash is valid, and finishes on a later settle', async () => {
    const { chain, signatures, settle } = await setup()
    chain.handlers.getSignatureStatuses = unknownStatus
    const pending = await settle()
    expect(pending).toMatchObject({
      success: false,
      errorReason: reasonOf('SETTLEMENT_PENDING'),
      payer: fixture.buyer.address,
    })
    expect(pending.transaction).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/)
    expect(chain.count('sendTransaction')).toBeGreaterThan(1)
    chain.handlers.getSignatureStatuses = () => landed()
    const done = await settle()
    expect(done).toMatchObject({ success: true, transaction: pending.transaction })
    expect(signatures()).toBe(1)
  })

  it('reports a failure once the blockhash expired without the transaction landing', async () => {
    const { chain, signatures, settle } = await setup()
    chain.handlers.getSignatureStatuses = unknownStatus
    chain.handlers.isBlockhashValid = () => withContext(false)
    const expired = await settle()
    expect(expired).toMatchObject({
      success: false,
      errorReason: reasonOf('SVM_EXACT_BLOCK_HEIGHT_EXCEEDED'),
    })
    expect(expired.transaction).not.toBe('')
    const history = chain.calls.filter((call) => call.method === 'getSignatureStatuses')
    expect(history.at(-1)?.params[1]).toEqual({ searchTransactionHistory: true })
    expect(await settle()).toEqual(expired)
    expect(signatures()).toBe(1)
  })

  it('reports a transaction that landed with an error as failed', async () => {
    const { chain, settle } = await setup()
    chain.handlers.getSignatureStatuses = () => landed({ InstructionError: [2, { Custom: 1 }] })
    expect(await settle()).toMatchObject({
      success: false,
      errorReason: reasonOf('SVM_EXACT_TRANSACTION_FAILED'),
    })
  })

  it.each([
    [null, undefined],
    [{ InstructionError: [2, { Custom: 1 }] }, reasonOf('SVM_EXACT_TRANSACTION_FAILED')],
  ])('takes "already processed" as success only without an error (%j)', async (err, reason) => {
    const { chain, settle } = await setup()
    chain.handlers.sendTransaction = () => {
      throw new RpcFault(-32002, 'Transaction simulation failed', {
        err: 'AlreadyProcessed',
        logs: [],
        accounts: null,
        unitsConsumed: 0,
      })
    }
    chain.handlers.getSignatureStatuses = (params) =>
      JSON.stringify(params[1]).includes('true') ? landed(err) : unknownStatus()
    const answer = await settle()
    expect([answer.success, answer.errorReason]).toEqual([reason === undefined, reason])
  })

  it('survives a failed broadcast: it sends again while the blockhash is valid', async () => {
    const { chain, signatures, settle } = await setup()
    let sent = false
    chain.handlers.sendTransaction = () => {
      if (chain.count('sendTransaction') === 1) throw new RpcFault(-32005, 'node is behind')
      sent = true
      return 'ignored'
    }
    chain.handlers.getSignatureStatuses = () => (sent ? landed() : unknownStatus())
    expect((await settle()).success).toBe(true)
    expect(signatures()).toBe(1)
  })

  it('releases a payment that failed simulation, so a later settle can still pay', async () => {
    const { chain, signatures, settle } = await setup()
    chain.handlers.simulateTransaction = () =>
      withContext({ err: 'BlockhashNotFound', logs: null, accounts: null })
    expect((await settle()).errorReason).toBe(reasonOf('SVM_EXACT_SIMULATION_FAILED'))
    expect(signatures()).toBe(0)
    chain.handlers.simulateTransaction = () => withContext({ err: null, logs: [], accounts: null })
    expect((await settle()).success).toBe(true)
  })

  it('throws when the cluster cannot be asked before anything was sent, and frees the claim', async () => {
    const { chain, settle } = await setup()
    chain.handlers.simulateTransaction = () => {
      throw new Error('connection refused')
    }
    const failure = await settle().catch((error: unknown) => error)
    expect(isTollgateError(failure, 'SETTLE_UNEXPECTED')).toBe(true)
    chain.handlers.simulateTransaction = () => withContext({ err: null, logs: [], accounts: null })
    expect((await settle()).success).toBe(true)
  })
})

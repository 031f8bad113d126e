/**
 * Goal: a settlement is success at inclusion and confirmed only at the network's finality; one
 * the cluster forgets goes back and is sent again, never answered with a signature the cluster
 * does not have; a cluster that cannot be asked changes nothing; a fee payer that cannot pay is
 * a retryable answer. Method: a fake cluster whose statuses each test sets; in-memory records.
 */
import { finalityOf, reasonOf } from '@tollgate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { withContext } from '../testing/fakeRpc.ts'
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
import type { SvmCommitment } from './watch.ts'

let fixture: SvmFixture
beforeAll(async () => {
  fixture = await svmFixture()
})

const at = (confirmationStatus: SvmCommitment, confirmations: number | null) => () =>
  withContext([{ slot: 2, confirmations, err: null, confirmationStatus }])

async function setup(finality?: SvmCommitment) {
  const chain = healthyChain()
  const { facilitator, signatures } = facilitatorOn(fixture, chain, finality ? { finality } : {})
  const requirements = requirementsOf(fixture)
  const transaction = await encodeTransaction(fixture, await standardInstructions(fixture))
  const settle = () => facilitator.settle(paymentOf(requirements, transaction), requirements)
  return { chain, signatures, settle }
}

describe('exact SVM settle: finality', () => {
  it('answers included below finalized, and confirmed once finalized', async () => {
    const { chain, settle } = await setup()
    chain.handlers.getSignatureStatuses = at('processed', 0)
    const included = await settle()
    expect(included.success).toBe(true)
    expect(finalityOf(included)).toEqual({ state: 'included', confirmations: 0, required: 32 })
    chain.handlers.getSignatureStatuses = at('confirmed', 40)
    // However many blocks the cluster counts, below the level it is not reported as deep.
    expect(finalityOf(await settle())).toEqual({
      state: 'included',
      confirmations: 31,
      required: 32,
    })
    chain.handlers.getSignatureStatuses = at('finalized', null)
    const confirmed = await settle()
    expect(finalityOf(confirmed)).toEqual({ state: 'confirmed', confirmations: 32, required: 32 })
    chain.handlers.getSignatureStatuses = () => withContext([null])
    expect(await settle()).toEqual(confirmed)
  })

  it('answers confirmed at once when the level asked for is reached', async () => {
    const { chain, settle } = await setup('confirmed')
    chain.handlers.getSignatureStatuses = at('confirmed', 1)
    expect(finalityOf(await settle())).toEqual({
      state: 'confirmed',
      confirmations: 1,
      required: 1,
    })
  })

  it('sends a forgotten transaction again and answers pending while it is not found', async () => {
    const { chain, signatures, settle } = await setup()
    chain.handlers.getSignatureStatuses = at('confirmed', 1)
    const included = await settle()
    expect(finalityOf(included)?.state).toBe('included')
    const sent = chain.count('sendTransaction')
    chain.handlers.getSignatureStatuses = () => withContext([null])
    const gap = await settle()
    expect(gap).toMatchObject({
      success: false,
      errorReason: reasonOf('SETTLEMENT_PENDING'),
      transaction: included.transaction,
    })
    expect(chain.count('sendTransaction')).toBeGreaterThan(sent)
    chain.handlers.getSignatureStatuses = at('finalized', null)
    expect(await settle()).toMatchObject({ success: true, transaction: included.transaction })
    expect(signatures()).toBe(1)
  })

  it('keeps the last answer when the cluster cannot be asked', async () => {
    const { chain, settle } = await setup()
    chain.handlers.getSignatureStatuses = at('processed', 0)
    const included = await settle()
    const sent = chain.count('sendTransaction')
    chain.handlers.getSignatureStatuses = () => {
      throw new Error('node is behind')
    }
    expect(await settle()).toEqual(included)
    expect(chain.count('sendTransaction')).toBe(sent)
  })

  it.each([
    ['AccountNotFound'],
    ['InsufficientFundsForFee'],
    [{ InsufficientFundsForRent: { account_index: 0 } }],
  ])(
    'answers a fee payer that cannot pay (%j) as retryable, and settles once funded',
    async (err) => {
      const { chain, signatures, settle } = await setup()
      chain.handlers.simulateTransaction = () => withContext({ err, logs: null, accounts: null })
      expect((await settle()).errorReason).toBe(reasonOf('SVM_FEE_PAYER_UNFUNDED'))
      expect(signatures()).toBe(0)
      chain.handlers.simulateTransaction = () =>
        withContext({ err: null, logs: [], accounts: null })
      expect((await settle()).success).toBe(true)
      expect(signatures()).toBe(1)
    },
  )
})

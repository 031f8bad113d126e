/**
 * Goal: the fee payer's signature can never authorize anything but paying the fee
 * (RELIABILITY §6 A case 9). Method: the reference transaction with one attack added; each must
 * be refused with its reason before any RPC call, and the fee payer must never sign or send.
 */

import { AccountRole, type Address, generateKeyPairSigner, type Instruction } from '@solana/kit'
import { getApproveInstruction, getCloseAccountInstruction } from '@solana-program/token'
import { reasonOf } from '@tollgate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { lighthouseProgram, memoProgram, systemProgram } from '../constants.ts'
import {
  associated,
  encodeTransaction,
  limitOf,
  memoOf,
  priceOf,
  requirementsOf,
  type SvmFixture,
  svmFixture,
  transferOf,
} from '../testing/fixtures.ts'
import { attempt, refusedWithoutRpc } from '../testing/refusal.ts'

let fixture: SvmFixture
beforeAll(async () => {
  fixture = await svmFixture()
})

async function withExtra(...extra: Instruction[]): Promise<string> {
  const instructions = [limitOf(20_000), priceOf(1n), await transferOf(fixture), ...extra]
  return encodeTransaction(fixture, instructions)
}

function systemTransferFromFeePayer(to: Address): Instruction {
  const data = new Uint8Array(12)
  const view = new DataView(data.buffer)
  view.setUint32(0, 2, true)
  view.setBigUint64(4, 1_000_000_000n, true)
  return {
    programAddress: systemProgram,
    accounts: [
      { address: fixture.feePayer.address, role: AccountRole.WRITABLE_SIGNER },
      { address: to, role: AccountRole.WRITABLE },
    ],
    data,
  }
}

describe('exact SVM verify refuses the fee payer drain', () => {
  it('an extra SystemProgram transfer from the fee payer', async () => {
    const transaction = await withExtra(systemTransferFromFeePayer(fixture.buyer.address))
    expect(await attempt(fixture, transaction)).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_UNKNOWN_FOURTH_INSTRUCTION')),
    )
  })

  it('an Approve over the fee payer token account', async () => {
    const approve = getApproveInstruction({
      source: await associated(fixture.feePayer.address, fixture.mint),
      delegate: fixture.buyer.address,
      owner: fixture.feePayer.address,
      amount: 2n ** 64n - 1n,
    })
    expect(await attempt(fixture, await withExtra(approve))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_UNKNOWN_FOURTH_INSTRUCTION')),
    )
  })

  it('a CloseAccount of the fee payer token account', async () => {
    const close = getCloseAccountInstruction({
      account: await associated(fixture.feePayer.address, fixture.mint),
      destination: fixture.buyer.address,
      owner: fixture.feePayer.address,
    })
    const transaction = await withExtra(memoOf('m'), close)
    expect(await attempt(fixture, transaction)).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_UNKNOWN_FIFTH_INSTRUCTION')),
    )
  })

  it.each([
    ['a Memo', memoProgram],
    ['a Lighthouse assertion', lighthouseProgram],
  ])('the fee payer listed in the accounts of %s', async (_, program) => {
    const listing = {
      programAddress: program,
      accounts: [{ address: fixture.feePayer.address, role: AccountRole.READONLY }],
      data: Uint8Array.of(1),
    }
    expect(await attempt(fixture, await withExtra(listing))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_FEE_PAYER_IN_ACCOUNTS')),
    )
  })

  it('the fee payer as the transfer authority', async () => {
    const transfer = await transferOf(fixture, {
      source: await associated(fixture.feePayer.address, fixture.mint),
      authority: fixture.feePayer.address,
    })
    const transaction = await encodeTransaction(fixture, [limitOf(20_000), priceOf(1n), transfer])
    expect(await attempt(fixture, transaction)).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_FEE_PAYER_TRANSFERRING_FUNDS')),
    )
  })

  it('the fee payer token account as the transfer source (a delegate signs)', async () => {
    const transfer = await transferOf(fixture, {
      source: await associated(fixture.feePayer.address, fixture.mint),
    })
    const transaction = await encodeTransaction(fixture, [limitOf(20_000), priceOf(1n), transfer])
    expect(await attempt(fixture, transaction)).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_FEE_PAYER_TRANSFERRING_FUNDS')),
    )
  })

  it('another account as fee payer, or a fee payer that is not ours', async () => {
    const other = await generateKeyPairSigner()
    const theirs = await encodeTransaction(
      fixture,
      [limitOf(20_000), priceOf(1n), await transferOf(fixture)],
      other.address,
    )
    expect(await attempt(fixture, theirs)).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_FEE_PAYER_MISMATCH')),
    )
    const requirements = requirementsOf(fixture, { feePayer: other.address })
    expect(await attempt(fixture, theirs, { requirements })).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_FEE_PAYER_NOT_MANAGED')),
    )
    const { feePayer: _, ...withoutFeePayer } = requirementsOf(fixture).extra ?? {}
    expect(
      await attempt(fixture, theirs, {
        requirements: { ...requirementsOf(fixture), extra: withoutFeePayer },
      }),
    ).toMatchObject(refusedWithoutRpc(reasonOf('SVM_EXACT_FEE_PAYER_MISSING')))
  })
})

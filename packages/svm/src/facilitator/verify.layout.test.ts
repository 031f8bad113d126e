/**
 * Goal: only the spec's layout passes (RELIABILITY §6 A case 11). Method: the reference
 * transaction reordered, lengthened, with unknown programs, wrong memos, an address lookup
 * table or a durable nonce; each refused before any RPC call, nothing signed or sent.
 */
import {
  AccountRole,
  address,
  appendTransactionMessageInstructions,
  compressTransactionMessageUsingAddressLookupTables,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase64Decoder,
  getBase64EncodedWireTransaction,
  getBase64Encoder,
  type Instruction,
  partiallySignTransactionMessageWithSigners,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
} from '@solana/kit'
import { reasonOf } from '@tollgate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { memoProgram, systemProgram } from '../constants.ts'
import {
  associated,
  encodeTransaction,
  limitOf,
  memoOf,
  priceOf,
  requirementsOf,
  type SvmFixture,
  signerAccount,
  svmFixture,
  transferOf,
} from '../testing/fixtures.ts'
import { attempt, refusedWithoutRpc } from '../testing/refusal.ts'

let fixture: SvmFixture
let base: Instruction[]
beforeAll(async () => {
  fixture = await svmFixture()
  base = [limitOf(20_000), priceOf(1n), await transferOf(fixture)]
})

const unknownProgram = address('Stake11111111111111111111111111111111111111')
const unknown: Instruction = { programAddress: unknownProgram, data: Uint8Array.of(0) }

describe('exact SVM verify refuses a layout other than the spec', () => {
  it.each([
    [
      'price before limit',
      () => [base[1]!, base[0]!, base[2]!],
      'SVM_EXACT_COMPUTE_LIMIT_INSTRUCTION',
    ],
    [
      'memo before transfer',
      () => [base[0]!, base[1]!, memoOf('m'), base[2]!],
      'SVM_EXACT_TRANSFER_INSTRUCTION_MISSING',
    ],
    [
      '8 instructions',
      () => [...base, ...[1, 2, 3, 4, 5].map((n) => memoOf(`m${n}`))],
      'SVM_EXACT_INSTRUCTIONS_LENGTH',
    ],
    ['2 instructions', () => [base[0]!, base[1]!], 'SVM_EXACT_INSTRUCTIONS_LENGTH'],
    ['an unknown program 4th', () => [...base, unknown], 'SVM_EXACT_UNKNOWN_FOURTH_INSTRUCTION'],
    [
      'an unknown program 6th',
      () => [...base, memoOf('a'), memoOf('b'), unknown],
      'SVM_EXACT_UNKNOWN_SIXTH_INSTRUCTION',
    ],
    [
      'an unknown program 7th',
      () => [...base, memoOf('a'), memoOf('b'), memoOf('c'), unknown],
      'SVM_EXACT_UNKNOWN_SEVENTH_INSTRUCTION',
    ],
  ] as const)('%s', async (_, instructions, code) => {
    const transaction = await encodeTransaction(fixture, instructions())
    expect(await attempt(fixture, transaction)).toMatchObject(refusedWithoutRpc(reasonOf(code)))
  })

  it('a memo other than the seller memo, and two memos', async () => {
    const requirements = requirementsOf(fixture, { memo: 'order-7' })
    const other = await encodeTransaction(fixture, [...base, memoOf('order-8')])
    expect(await attempt(fixture, other, { requirements })).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_MEMO_MISMATCH')),
    )
    const two = await encodeTransaction(fixture, [...base, memoOf('order-7'), memoOf('order-7')])
    expect(await attempt(fixture, two, { requirements })).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_MEMO_COUNT')),
    )
    const none = await encodeTransaction(fixture, base)
    expect(await attempt(fixture, none, { requirements })).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_MEMO_COUNT')),
    )
  })

  it('an address lookup table', async () => {
    const table = await generateKeyPairSigner()
    const destination = await associated(fixture.payTo, fixture.mint)
    const message = pipe(
      createTransactionMessage({ version: 0 }),
      (draft) => setTransactionMessageFeePayer(fixture.feePayer.address, draft),
      (draft) => setTransactionMessageLifetimeUsingBlockhash(fixture.lifetime, draft),
      (draft) => appendTransactionMessageInstructions(base, draft),
      (draft) =>
        compressTransactionMessageUsingAddressLookupTables(draft, {
          [table.address]: [destination],
        }),
    )
    const signed = await partiallySignTransactionMessageWithSigners(message)
    const transaction = getBase64EncodedWireTransaction(signed)
    expect(await attempt(fixture, transaction)).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_LOOKUP_TABLES')),
    )
  })

  it('a durable nonce, first or anywhere', async () => {
    // On the wire a durable nonce transaction is AdvanceNonceAccount first, the nonce value in
    // the blockhash's place.
    const nonceAccount = await generateKeyPairSigner()
    const advance: Instruction = {
      programAddress: systemProgram,
      accounts: [
        { address: nonceAccount.address, role: AccountRole.WRITABLE },
        {
          address: address('SysvarRecentB1ockHashes11111111111111111111'),
          role: AccountRole.READONLY,
        },
        signerAccount(fixture.buyer),
      ],
      data: Uint8Array.of(4, 0, 0, 0),
    }
    const first = await encodeTransaction(fixture, [advance, ...base])
    expect(await attempt(fixture, first)).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_DURABLE_NONCE')),
    )
    const later = await encodeTransaction(fixture, [...base, memoOf('m'), advance])
    expect(await attempt(fixture, later)).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_DURABLE_NONCE')),
    )
  })

  it('a third signer (each signature is charged to the fee payer)', async () => {
    const third = await generateKeyPairSigner()
    const memo: Instruction = {
      programAddress: memoProgram,
      accounts: [signerAccount(third)],
      data: Uint8Array.of(109),
    }
    const transaction = await encodeTransaction(fixture, [...base, memo])
    expect(await attempt(fixture, transaction)).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_SIGNERS_EXCESSIVE')),
    )
  })

  it('bytes after the transaction, a legacy message, text that is not base64', async () => {
    const good = await encodeTransaction(fixture, base)
    const bytes = getBase64Encoder().encode(good)
    const trailing = getBase64Decoder().decode(Uint8Array.of(...bytes, 0))
    const undecodable = refusedWithoutRpc(reasonOf('SVM_EXACT_TRANSACTION_UNDECODABLE'))
    expect(await attempt(fixture, trailing)).toMatchObject(undecodable)
    const legacy = pipe(
      createTransactionMessage({ version: 'legacy' }),
      (draft) => setTransactionMessageFeePayer(fixture.feePayer.address, draft),
      (draft) => setTransactionMessageLifetimeUsingBlockhash(fixture.lifetime, draft),
      (draft) => appendTransactionMessageInstructions(base, draft),
    )
    const legacyWire = getBase64EncodedWireTransaction(
      await partiallySignTransactionMessageWithSigners(legacy),
    )
    expect(await attempt(fixture, legacyWire)).toMatchObject(undecodable)
    expect(await attempt(fixture, 'not base64!')).toMatchObject(undecodable)
  })
})

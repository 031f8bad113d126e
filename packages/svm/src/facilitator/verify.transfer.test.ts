/**
 * Goal: the one transfer pays exactly the requirement: mint, program, payee account, amount,
 * and a valid buyer signature (RELIABILITY §6 A case 12). Method: the reference transaction
 * with one field changed; each refused before any RPC call, nothing signed or sent.
 */
import {
  generateKeyPairSigner,
  getBase64Decoder,
  getBase64Encoder,
  type Instruction,
} from '@solana/kit'
import { reasonOf } from '@tollgate/core'
import { beforeAll, describe, expect, it } from 'vitest'
import { token2022Program } from '../constants.ts'
import { withContext } from '../testing/fakeRpc.ts'
import {
  associated,
  encodeTransaction,
  facilitatorOn,
  healthyChain,
  limitOf,
  paymentOf,
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

async function paying(transfer: Instruction): Promise<string> {
  return encodeTransaction(fixture, [limitOf(20_000), priceOf(1n), transfer])
}

describe('exact SVM verify refuses a transfer other than the requirement', () => {
  it('a destination that is not the payee associated account', async () => {
    const stranger = await generateKeyPairSigner()
    const transfer = await transferOf(fixture, {
      destination: await associated(stranger.address, fixture.mint),
    })
    expect(await attempt(fixture, await paying(transfer))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_RECIPIENT_MISMATCH')),
    )
  })

  it('the payee wallet itself as destination (not its token account)', async () => {
    const transfer = await transferOf(fixture, { destination: fixture.payTo })
    expect(await attempt(fixture, await paying(transfer))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_RECIPIENT_MISMATCH')),
    )
  })

  it('another mint', async () => {
    const other = await generateKeyPairSigner()
    const transfer = await transferOf(fixture, { mint: other.address })
    expect(await attempt(fixture, await paying(transfer))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_MINT_MISMATCH')),
    )
  })

  it('Token-2022 for a mint of the SPL Token program, and the other way round', async () => {
    const under2022 = await transferOf(fixture, { program: token2022Program })
    expect(await attempt(fixture, await paying(under2022))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_TOKEN_PROGRAM_MISMATCH')),
    )
    const asset2022 = { ...fixture.asset, tokenProgram: token2022Program }
    const underToken = await transferOf(fixture)
    expect(
      await attempt(fixture, await paying(underToken), { facilitator: { assets: [asset2022] } }),
    ).toMatchObject(refusedWithoutRpc(reasonOf('SVM_EXACT_TOKEN_PROGRAM_MISMATCH')))
    // Under the right program, the payee account is derived with that program too.
    expect(
      (await attempt(fixture, await paying(under2022), { facilitator: { assets: [asset2022] } }))
        .verdict,
    ).toEqual({ isValid: true, payer: fixture.buyer.address })
  })

  it.each([9_999n, 10_001n])('an amount of %s for 10000 required', async (amount) => {
    const transfer = await transferOf(fixture, { amount })
    expect(await attempt(fixture, await paying(transfer))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_AMOUNT_MISMATCH')),
    )
  })

  it('decimals other than the mint has', async () => {
    const transfer = await transferOf(fixture, { decimals: 9 })
    expect(await attempt(fixture, await paying(transfer))).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_AMOUNT_MISMATCH')),
    )
  })

  it('an invalid or missing buyer signature', async () => {
    const bytes = Uint8Array.from(
      getBase64Encoder().encode(await paying(await transferOf(fixture))),
    )
    // Layout: signature count, the fee payer slot (64 bytes), the buyer's signature (64 bytes).
    const flipped = Uint8Array.from(bytes)
    flipped[1 + 64 + 7]! ^= 0x01
    const invalid = refusedWithoutRpc(reasonOf('SVM_EXACT_SIGNATURE_INVALID'))
    expect(await attempt(fixture, getBase64Decoder().decode(flipped))).toMatchObject(invalid)
    const zeroed = Uint8Array.from(bytes)
    zeroed.fill(0, 1 + 64, 1 + 128)
    expect(await attempt(fixture, getBase64Decoder().decode(zeroed))).toMatchObject(invalid)
  })

  it('an asset off the allow-list, another network, another scheme', async () => {
    const transaction = await paying(await transferOf(fixture))
    const other = await generateKeyPairSigner()
    const offList = { ...requirementsOf(fixture), asset: other.address }
    expect(await attempt(fixture, transaction, { requirements: offList })).toMatchObject(
      refusedWithoutRpc(reasonOf('ASSET_NOT_ALLOWED')),
    )
    const upto = { ...requirementsOf(fixture), scheme: 'upto' }
    expect(await attempt(fixture, transaction, { requirements: upto })).toMatchObject(
      refusedWithoutRpc(reasonOf('SVM_EXACT_SCHEME_UNSUPPORTED')),
    )
  })

  it('a transfer the cluster would refuse: one simulation, nothing signed or sent', async () => {
    const chain = healthyChain()
    chain.handlers.simulateTransaction = () =>
      withContext({ err: { InstructionError: [2, { Custom: 1 }] }, logs: ['insufficient funds'] })
    const { facilitator, signatures } = facilitatorOn(fixture, chain)
    const requirements = requirementsOf(fixture)
    const payment = paymentOf(requirements, await paying(await transferOf(fixture)))
    const verdict = await facilitator.verify(payment, requirements)
    expect(verdict).toMatchObject({
      isValid: false,
      invalidReason: reasonOf('SVM_EXACT_SIMULATION_FAILED'),
      payer: fixture.buyer.address,
    })
    expect(verdict.invalidMessage).toContain('Custom')
    const settled = await facilitator.settle(payment, requirements)
    expect(settled.errorReason).toBe(reasonOf('SVM_EXACT_SIMULATION_FAILED'))
    expect(chain.count('simulateTransaction')).toBe(2)
    expect([signatures(), chain.count('sendTransaction')]).toEqual([0, 0])
  })
})

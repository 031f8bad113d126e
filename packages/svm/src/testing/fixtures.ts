/**
 * Keys, requirements and transaction builders for the exact SVM tests. Every transaction is
 * built with kit like a client would, then partially signed by the buyer only.
 */

import {
  AccountRole,
  type AccountSignerMeta,
  type Address,
  appendTransactionMessageInstructions,
  blockhash,
  createTransactionMessage,
  generateKeyPairSigner,
  getBase58Decoder,
  getBase64EncodedWireTransaction,
  getBase64Encoder,
  getSignatureFromTransaction,
  getTransactionDecoder,
  type Instruction,
  type KeyPairSigner,
  partiallySignTransactionMessageWithSigners,
  pipe,
  setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
  type TransactionPartialSigner,
} from '@solana/kit'
import {
  getSetComputeUnitLimitInstruction,
  getSetComputeUnitPriceInstruction,
} from '@solana-program/compute-budget'
import { findAssociatedTokenPda, getTransferCheckedInstruction } from '@solana-program/token'
import { type PaymentPayload, type PaymentRequirements, solanaNetworks } from '@tollgate/core'
import type { SvmAsset } from '../assets.ts'
import { memoProgram, tokenProgram } from '../constants.ts'
import { exactSvmFacilitator } from '../facilitator/exactSvmFacilitator.ts'
import type { ExactSvmFacilitatorOptions } from '../facilitator/options.ts'
import { type FakeRpc, fakeRpc, withContext } from './fakeRpc.ts'

export interface SvmFixture {
  network: string
  feePayer: KeyPairSigner
  buyer: KeyPairSigner
  payTo: Address
  mint: Address
  asset: SvmAsset
  lifetime: { blockhash: ReturnType<typeof blockhash>; lastValidBlockHeight: bigint }
}

export async function svmFixture(): Promise<SvmFixture> {
  const [feePayer, buyer, payTo, mint] = await Promise.all([
    generateKeyPairSigner(),
    generateKeyPairSigner(),
    generateKeyPairSigner(),
    generateKeyPairSigner(),
  ])
  const hash = blockhash(getBase58Decoder().decode(crypto.getRandomValues(new Uint8Array(32))))
  return {
    network: solanaNetworks.devnet,
    feePayer,
    buyer,
    payTo: payTo.address,
    mint: mint.address,
    asset: { address: mint.address, decimals: 6, symbol: 'USDC', tokenProgram },
    lifetime: { blockhash: hash, lastValidBlockHeight: 1_000n },
  }
}

export function requirementsOf(
  fixture: SvmFixture,
  extra: Record<string, unknown> = {},
): PaymentRequirements {
  return {
    scheme: 'exact',
    network: fixture.network,
    amount: '10000',
    asset: fixture.mint,
    payTo: fixture.payTo,
    maxTimeoutSeconds: 60,
    extra: { feePayer: fixture.feePayer.address, ...extra },
  }
}

export function paymentOf(requirements: PaymentRequirements, transaction: string): PaymentPayload {
  return { x402Version: 2, accepted: requirements, payload: { transaction } }
}

export async function associated(owner: Address, mint: Address, program: Address = tokenProgram) {
  const [account] = await findAssociatedTokenPda({ owner, mint, tokenProgram: program })
  return account
}

/** The buyer's TransferChecked, with any field replaced. */
export async function transferOf(
  fixture: SvmFixture,
  change: Partial<{
    source: Address
    mint: Address
    destination: Address
    authority: Address | TransactionPartialSigner
    amount: bigint
    decimals: number
    program: Address
  }> = {},
): Promise<Instruction> {
  const program = change.program ?? tokenProgram
  const mint = change.mint ?? fixture.mint
  return getTransferCheckedInstruction(
    {
      source: change.source ?? (await associated(fixture.buyer.address, mint, program)),
      mint,
      destination: change.destination ?? (await associated(fixture.payTo, mint, program)),
      authority: change.authority ?? fixture.buyer,
      amount: change.amount ?? 10_000n,
      decimals: change.decimals ?? 6,
    },
    { programAddress: program },
  )
}

export const limitOf = (units: number) => getSetComputeUnitLimitInstruction({ units })
export const priceOf = (microLamports: bigint) =>
  getSetComputeUnitPriceInstruction({ microLamports })
export const memoOf = (text: string): Instruction => ({
  programAddress: memoProgram,
  data: new TextEncoder().encode(text),
})

/** An instruction account that the given key signs for (kit signs with it when compiling). */
export function signerAccount(signer: KeyPairSigner): AccountSignerMeta {
  return { address: signer.address, role: AccountRole.READONLY_SIGNER, signer }
}

/** The reference layout: limit 20,000, price 1, TransferChecked, Memo. */
export async function standardInstructions(fixture: SvmFixture): Promise<Instruction[]> {
  return [limitOf(20_000), priceOf(1n), await transferOf(fixture), memoOf('0123456789abcdef')]
}

/** A v0 transaction with the fixture's fee payer and blockhash, signed by the buyer only. */
export async function encodeTransaction(
  fixture: SvmFixture,
  instructions: readonly Instruction[],
  feePayer: Address = fixture.feePayer.address,
): Promise<string> {
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (draft) => setTransactionMessageFeePayer(feePayer, draft),
    (draft) => setTransactionMessageLifetimeUsingBlockhash(fixture.lifetime, draft),
    (draft) => appendTransactionMessageInstructions(instructions, draft),
  )
  return getBase64EncodedWireTransaction(await partiallySignTransactionMessageWithSigners(message))
}

/** A fee payer that counts its signatures, so a test can prove it never signed. */
export function countingSigner(signer: KeyPairSigner): {
  signer: TransactionPartialSigner
  signatures(): number
} {
  let count = 0
  return {
    signer: {
      address: signer.address,
      async signTransactions(transactions, config) {
        count += transactions.length
        return signer.signTransactions(transactions, config)
      },
    },
    signatures: () => count,
  }
}

/** Handlers of a healthy cluster where every transaction simulates, lands and confirms. */
export function healthyChain(): FakeRpc {
  return fakeRpc({
    simulateTransaction: () => withContext({ err: null, logs: [], accounts: null }),
    sendTransaction: (params) => signatureOfWire(String(params[0])),
    getSignatureStatuses: () =>
      withContext([{ slot: 2, confirmations: 1, err: null, confirmationStatus: 'confirmed' }]),
    isBlockhashValid: () => withContext(true),
    getBalance: () => withContext(1_000_000_000),
  })
}

export function signatureOfWire(wire: string): string {
  return getSignatureFromTransaction(
    getTransactionDecoder().decode(getBase64Encoder().encode(wire)),
  )
}

/** Our facilitator on a fake cluster, with a fee payer that counts its signatures. */
export function facilitatorOn(
  fixture: SvmFixture,
  chain: FakeRpc,
  options: Partial<Omit<ExactSvmFacilitatorOptions, 'rpc' | 'rpcUrl' | 'feePayers'>> = {},
) {
  const counting = countingSigner(fixture.feePayer)
  const facilitator = exactSvmFacilitator({
    rpc: chain.rpc,
    feePayers: [counting.signer],
    networks: [fixture.network],
    assets: [fixture.asset],
    ...options,
    settle: {
      pollIntervalMs: 1,
      rebroadcastIntervalMs: 5,
      confirmTimeoutMs: 200,
      ...options.settle,
    },
  })
  return { facilitator, signatures: counting.signatures }
}

import { type Address, address, getBase64EncodedWireTransaction, isAddress } from '@solana/kit'
import { findAssociatedTokenPda } from '@solana-program/token'
import {
  type PaymentPayload,
  type PaymentRequirements,
  reject,
  type VerifyResponse,
} from '@tollgate/core'
import { findSvmAsset, type SvmAsset } from '../assets.ts'
import { memoBytesMax, tokenProgram } from '../constants.ts'
import type { SvmFacilitatorRpc } from '../rpc.ts'
import { type DecodedTransaction, decodeExactSvmTransaction } from './decode.ts'
import {
  type ComputeCaps,
  checkComputeBudget,
  checkFeePayerUnused,
  checkMemo,
  checkOptionalInstructions,
  isAdvanceNonce,
  readTransfer,
  type TransferChecked,
} from './instructions.ts'
import { type Rejection, rejection } from './rejection.ts'
import { checkClientSignatures } from './signatures.ts'

/** What verification checks a payment against: this facilitator's signers, assets and caps. */
export interface SvmVerifyContext {
  feePayers: ReadonlySet<string>
  assets: readonly SvmAsset[]
  caps: ComputeCaps
  /** Signatures a transaction may require, the fee payer's included (each costs 5000 lamports). */
  signaturesMax: number
}

/** A payment that passed every check without RPC, with what simulation and settle need. */
export interface VerifiedSvmPayment {
  payer: Address
  feePayer: Address
  decoded: DecodedTransaction
}

export type SvmVerifyOutcome =
  | { response: VerifyResponse & { isValid: false }; verified?: undefined }
  | { response: VerifyResponse & { isValid: true }; verified: VerifiedSvmPayment }

interface Expected {
  feePayer: Address
  asset: SvmAsset
  payTo: Address
  amount: bigint
  memo: string | undefined
}

/**
 * Every check of `exact` on Solana that needs no RPC, in the spec's order (x402 spec §5, steps
 * 1 to 16) with the stricter rules the reference skips: no lookup tables, no durable nonce, a
 * cap on signatures, each compute budget instruction once, the fee payer in no instruction.
 */
export async function verifyExactSvmStatic(
  context: SvmVerifyContext,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
): Promise<SvmVerifyOutcome> {
  const expected = checkRequirements(context, payload, requirements)
  if ('code' in expected) return rejected(expected, undefined)
  const decoding = decodeExactSvmTransaction(payload.payload)
  if ('rejection' in decoding) return rejected(decoding.rejection, undefined)
  const { decoded } = decoding
  const shape = await checkShape(context, decoded, expected.feePayer)
  if (shape) return rejected(shape, undefined)
  const { instructions } = decoded
  if (instructions.length < 3 || instructions.length > 7) {
    const message = `${instructions.length} instructions, 3 to 7 allowed`
    return rejected(rejection('SVM_EXACT_INSTRUCTIONS_LENGTH', message), undefined)
  }
  const budget = checkComputeBudget(instructions, context.caps)
  if (budget) return rejected(budget, undefined)
  const transfer = readTransfer(instructions[2])
  if ('code' in transfer) return rejected(transfer, undefined)
  const payer = transfer.authority
  const problem =
    (await checkTransfer(context, transfer, expected)) ??
    checkOptionalInstructions(instructions) ??
    checkFeePayerUnused(instructions, expected.feePayer) ??
    checkMemo(instructions.slice(3), expected.memo)
  if (problem) return rejected(problem, payer)
  return {
    response: { isValid: true, payer },
    verified: { payer, feePayer: expected.feePayer, decoded },
  }
}

/** Steps 1 to 4 and the requirement's own fields: scheme, network, fee payer, asset, payee. */
function checkRequirements(
  context: SvmVerifyContext,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
): Expected | Rejection {
  if (payload.accepted.scheme !== 'exact' || requirements.scheme !== 'exact') {
    return rejection('SVM_EXACT_SCHEME_UNSUPPORTED')
  }
  if (payload.accepted.network !== requirements.network) {
    return rejection('SVM_EXACT_NETWORK_MISMATCH')
  }
  const feePayer = requirements.extra?.feePayer
  if (typeof feePayer !== 'string' || feePayer === '') {
    return rejection('SVM_EXACT_FEE_PAYER_MISSING')
  }
  if (!context.feePayers.has(feePayer) || !isAddress(feePayer)) {
    return rejection('SVM_EXACT_FEE_PAYER_NOT_MANAGED', `${feePayer} is not a fee payer here`)
  }
  const asset = findSvmAsset(context.assets, requirements.asset)
  if (!asset) {
    return rejection('ASSET_NOT_ALLOWED', `${requirements.asset} is not accepted`)
  }
  const memo = requirements.extra?.memo
  const memoBytes = typeof memo === 'string' ? new TextEncoder().encode(memo).length : 0
  if (memo !== undefined && (memoBytes === 0 || memoBytes > memoBytesMax)) {
    return rejection('REQUIREMENTS_MALFORMED', `extra.memo must be 1 to ${memoBytesMax} bytes`)
  }
  const amount = /^(0|[1-9][0-9]{0,19})$/.test(requirements.amount)
    ? BigInt(requirements.amount)
    : -1n
  if (!isAddress(requirements.payTo) || amount < 0n || amount >= 2n ** 64n) {
    return rejection('REQUIREMENTS_MALFORMED', 'payTo must be an address and amount a u64')
  }
  return {
    feePayer: address(feePayer),
    asset,
    payTo: address(requirements.payTo),
    amount,
    memo: typeof memo === 'string' ? memo : undefined,
  }
}

/** The transaction as a whole: no durable nonce, few signers, our fee payer, valid signatures. */
async function checkShape(
  context: SvmVerifyContext,
  decoded: DecodedTransaction,
  feePayer: Address,
): Promise<Rejection | undefined> {
  const nonce = decoded.instructions.find(isAdvanceNonce)
  if (nonce) {
    const message = `instruction ${nonce.index} advances a durable nonce`
    return rejection('SVM_EXACT_DURABLE_NONCE', message)
  }
  if (decoded.signers.length > context.signaturesMax) {
    const message = `${decoded.signers.length} signatures required, at most ${context.signaturesMax}`
    return rejection('SVM_EXACT_SIGNERS_EXCESSIVE', message)
  }
  if (decoded.staticAccounts[0] !== feePayer) {
    return rejection('SVM_EXACT_FEE_PAYER_MISMATCH', `the fee payer must be ${feePayer}`)
  }
  return checkClientSignatures(decoded)
}

/** Steps 11 to 14: who pays, in which mint and program, to whom, how much. */
async function checkTransfer(
  context: SvmVerifyContext,
  transfer: TransferChecked,
  expected: Expected,
): Promise<Rejection | undefined> {
  if (context.feePayers.has(transfer.authority) || context.feePayers.has(transfer.source)) {
    return rejection('SVM_EXACT_FEE_PAYER_TRANSFERRING_FUNDS')
  }
  if (transfer.mint !== expected.asset.address) return rejection('SVM_EXACT_MINT_MISMATCH')
  const program = expected.asset.tokenProgram ?? tokenProgram
  if (transfer.program !== program) {
    const message = `${transfer.mint} belongs to ${program}, not ${transfer.program}`
    return rejection('SVM_EXACT_TOKEN_PROGRAM_MISMATCH', message)
  }
  const owners = [...context.feePayers].filter((owner) => isAddress(owner)).map(address)
  const feePayerAccounts = await Promise.all(
    owners.map((owner) => associatedAccount(owner, transfer.mint, transfer.program)),
  )
  if (feePayerAccounts.includes(transfer.source)) {
    return rejection('SVM_EXACT_FEE_PAYER_TRANSFERRING_FUNDS')
  }
  const destination = await associatedAccount(expected.payTo, transfer.mint, transfer.program)
  if (transfer.destination !== destination) return rejection('SVM_EXACT_RECIPIENT_MISMATCH')
  if (transfer.amount !== expected.amount) {
    const message = `transfers ${transfer.amount}, required ${expected.amount}`
    return rejection('SVM_EXACT_AMOUNT_MISMATCH', message)
  }
  if (transfer.decimals !== expected.asset.decimals) {
    const message = `${transfer.decimals} decimals, the mint has ${expected.asset.decimals}`
    return rejection('SVM_EXACT_AMOUNT_MISMATCH', message)
  }
  return undefined
}

async function associatedAccount(owner: Address, mint: Address, program: Address) {
  const [account] = await findAssociatedTokenPda({ owner, mint, tokenProgram: program })
  return account
}

/**
 * Step 17: the transaction runs as sent, against the current chain. Signature verification is
 * off because the fee payer has not signed (the client's signatures were checked locally); the
 * blockhash is not replaced, so an expired one fails here.
 */
export async function simulateExactSvm(
  rpc: SvmFacilitatorRpc,
  decoded: DecodedTransaction,
): Promise<Rejection | undefined> {
  const wire = getBase64EncodedWireTransaction(decoded.transaction)
  const { value } = await rpc
    .simulateTransaction(wire, {
      encoding: 'base64',
      sigVerify: false,
      replaceRecentBlockhash: false,
      commitment: 'confirmed',
    })
    .send()
  if (value.err === null) return undefined
  if (feePayerCannotPay(value.err)) {
    return rejection(
      'SVM_FEE_PAYER_UNFUNDED',
      `the fee payer cannot pay: ${describeError(value.err)}`,
    )
  }
  const logs = (value.logs ?? []).slice(-3).join(' | ')
  return rejection('SVM_EXACT_SIMULATION_FAILED', `${describeError(value.err)} ${logs}`.trim())
}

/**
 * The errors of a fee payer without the lamports for the fee (or for staying rent-exempt after
 * it): the fee payer is account 0, and one without any lamports is not found.
 */
function feePayerCannotPay(err: unknown): boolean {
  if (err === 'AccountNotFound' || err === 'InsufficientFundsForFee') return true
  if (typeof err !== 'object' || err === null || !('InsufficientFundsForRent' in err)) return false
  const detail = err.InsufficientFundsForRent
  return typeof detail === 'object' && detail !== null && 'account_index' in detail
    ? // kit reads integers in answers as bigints.
      detail.account_index === 0n || detail.account_index === 0
    : false
}

/** A transaction error as text (it may hold bigints, which JSON cannot write). */
export function describeError(error: unknown): string {
  return JSON.stringify(error, (_, value) => (typeof value === 'bigint' ? String(value) : value))
}

function rejected(found: Rejection, payer: string | undefined): SvmVerifyOutcome {
  return { response: reject(found.code, { message: found.message, payer }) }
}

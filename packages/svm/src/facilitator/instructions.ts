import type { Address } from '@solana/kit'
import { getTransferCheckedInstructionDataDecoder } from '@solana-program/token'
import type { ErrorCode } from '@tollgate/core'
import {
  computeBudgetProgram,
  discriminators,
  lighthouseProgram,
  memoProgram,
  systemProgram,
  token2022Program,
  tokenProgram,
} from '../constants.ts'
import type { ResolvedInstruction } from './decode.ts'
import { type Rejection, rejection } from './rejection.ts'

/**
 * The instruction checks of `exact` on Solana. Each names what is allowed at each position and
 * refuses everything else: an allow-list, not a search for known attacks.
 */

/** Caps on what the fee payer is charged for a transaction's compute. */
export interface ComputeCaps {
  /** Microlamports per compute unit. */
  unitPriceMax: bigint
  unitLimitMax: number
}

/** True when an instruction is the System program's AdvanceNonceAccount (a durable nonce). */
export function isAdvanceNonce(instruction: ResolvedInstruction): boolean {
  return (
    instruction.program === systemProgram &&
    instruction.data.length >= 4 &&
    readU32(instruction.data, 0) === discriminators.advanceNonceAccount
  )
}

/**
 * Instruction 0 sets the compute unit limit and 1 the price, each once, with no accounts and
 * within the caps. A second one anywhere would override the first (only the last applies).
 */
export function checkComputeBudget(
  instructions: readonly ResolvedInstruction[],
  caps: ComputeCaps,
): Rejection | undefined {
  const [limit, price] = instructions
  if (!limit || !isComputeBudget(limit, discriminators.setComputeUnitLimit, 5)) {
    return rejection(
      'SVM_EXACT_COMPUTE_LIMIT_INSTRUCTION',
      'instruction 0 must be SetComputeUnitLimit',
    )
  }
  if (!price || !isComputeBudget(price, discriminators.setComputeUnitPrice, 9)) {
    return rejection(
      'SVM_EXACT_COMPUTE_PRICE_INSTRUCTION',
      'instruction 1 must be SetComputeUnitPrice',
    )
  }
  for (const later of instructions.slice(2)) {
    if (later.program !== computeBudgetProgram) continue
    const code: ErrorCode =
      later.data[0] === discriminators.setComputeUnitLimit
        ? 'SVM_EXACT_COMPUTE_LIMIT_INSTRUCTION'
        : 'SVM_EXACT_COMPUTE_PRICE_INSTRUCTION'
    return rejection(code, `instruction ${later.index} is a second compute budget instruction`)
  }
  const units = readU32(limit.data, 1)
  if (units > caps.unitLimitMax) {
    return rejection(
      'SVM_EXACT_COMPUTE_LIMIT_TOO_HIGH',
      `${units} compute units requested, at most ${caps.unitLimitMax}`,
    )
  }
  const microLamports = readU64(price.data, 1)
  if (microLamports > caps.unitPriceMax) {
    return rejection(
      'SVM_EXACT_COMPUTE_PRICE_TOO_HIGH',
      `${microLamports} microlamports per unit offered, at most ${caps.unitPriceMax}`,
    )
  }
  return undefined
}

function isComputeBudget(
  instruction: ResolvedInstruction,
  discriminator: number,
  length: number,
): boolean {
  return (
    instruction.program === computeBudgetProgram &&
    instruction.accounts.length === 0 &&
    instruction.data.length === length &&
    instruction.data[0] === discriminator
  )
}

/** The fields of the one TransferChecked the transaction may make. */
export interface TransferChecked {
  program: Address
  source: Address
  mint: Address
  destination: Address
  authority: Address
  amount: bigint
  decimals: number
}

/**
 * Instruction 2 is a TransferChecked of the SPL Token or Token-2022 program (same layout), with
 * exactly its four accounts: a multisig authority or any extra account is refused.
 */
export function readTransfer(
  instruction: ResolvedInstruction | undefined,
): TransferChecked | Rejection {
  const [source, mint, destination, authority, ...more] = instruction?.accounts ?? []
  if (
    !instruction ||
    (instruction.program !== tokenProgram && instruction.program !== token2022Program) ||
    instruction.data.length !== 10 ||
    instruction.data[0] !== discriminators.transferChecked ||
    !source ||
    !mint ||
    !destination ||
    !authority ||
    more.length > 0
  ) {
    return rejection(
      'SVM_EXACT_TRANSFER_INSTRUCTION_MISSING',
      'instruction 2 must be a TransferChecked of the SPL Token or Token-2022 program',
    )
  }
  const data = getTransferCheckedInstructionDataDecoder().decode(instruction.data)
  return {
    program: instruction.program,
    source,
    mint,
    destination,
    authority,
    amount: data.amount,
    decimals: data.decimals,
  }
}

const unknownInstructionCodes: readonly ErrorCode[] = [
  'SVM_EXACT_UNKNOWN_FOURTH_INSTRUCTION',
  'SVM_EXACT_UNKNOWN_FIFTH_INSTRUCTION',
  'SVM_EXACT_UNKNOWN_SIXTH_INSTRUCTION',
  'SVM_EXACT_UNKNOWN_SEVENTH_INSTRUCTION',
]

/** From instruction 3 on, only Lighthouse (wallet assertions) and Memo are allowed. */
export function checkOptionalInstructions(
  instructions: readonly ResolvedInstruction[],
): Rejection | undefined {
  for (const instruction of instructions.slice(3)) {
    if (instruction.program === lighthouseProgram || instruction.program === memoProgram) continue
    const code =
      unknownInstructionCodes[instruction.index - 3] ?? 'SVM_EXACT_UNKNOWN_OPTIONAL_INSTRUCTION'
    return rejection(code, `instruction ${instruction.index} calls ${instruction.program}`)
  }
  return undefined
}

/**
 * The fee payer's signature authorizes every instruction that names it, so it may appear in
 * none: not as an account of any instruction, not as a program.
 */
export function checkFeePayerUnused(
  instructions: readonly ResolvedInstruction[],
  feePayer: Address,
): Rejection | undefined {
  for (const instruction of instructions) {
    if (instruction.program === feePayer || instruction.accounts.includes(feePayer)) {
      return rejection(
        'SVM_EXACT_FEE_PAYER_IN_ACCOUNTS',
        `instruction ${instruction.index} names the fee payer`,
      )
    }
  }
  return undefined
}

/** With `extra.memo`, exactly one Memo instruction carries exactly that text. */
export function checkMemo(
  instructions: readonly ResolvedInstruction[],
  expected: string | undefined,
): Rejection | undefined {
  if (expected === undefined) return undefined
  const memos = instructions.filter((instruction) => instruction.program === memoProgram)
  const [memo] = memos
  if (memos.length !== 1 || !memo) {
    return rejection('SVM_EXACT_MEMO_COUNT', `${memos.length} memo instructions, 1 expected`)
  }
  const wanted = new TextEncoder().encode(expected)
  const same =
    wanted.length === memo.data.length && wanted.every((byte, at) => memo.data[at] === byte)
  return same ? undefined : rejection('SVM_EXACT_MEMO_MISMATCH')
}

function readU32(data: Uint8Array, offset: number): number {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(offset, true)
}

function readU64(data: Uint8Array, offset: number): bigint {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(offset, true)
}

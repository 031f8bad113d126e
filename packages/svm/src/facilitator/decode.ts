import {
  type Address,
  type CompiledTransactionMessage,
  type CompiledTransactionMessageWithLifetime,
  getBase64Encoder,
  getCompiledTransactionMessageDecoder,
  getCompiledTransactionMessageEncoder,
  getTransactionDecoder,
  type ReadonlyUint8Array,
  type Transaction,
} from '@solana/kit'
import { transactionBytesMax } from '../constants.ts'
import { exactSvmPayloadSchema } from '../payload.ts'
import { type Rejection, rejection } from './rejection.ts'

/** One instruction with its indexes resolved against the static accounts. */
export interface ResolvedInstruction {
  index: number
  program: Address
  accounts: readonly Address[]
  data: Uint8Array
}

/** A transaction that decoded, in the one shape the checks read. */
export interface DecodedTransaction {
  transaction: Transaction
  message: CompiledTransactionMessage & CompiledTransactionMessageWithLifetime
  staticAccounts: readonly Address[]
  /** The accounts that must sign, fee payer first. */
  signers: readonly Address[]
  instructions: readonly ResolvedInstruction[]
  blockhash: string
}

/**
 * Decodes the payload's transaction, failing closed on anything the checks could misread:
 * text that is not base64, bytes left over, a message that does not re-encode to the same bytes,
 * a version other than 0, address lookup tables, repeated accounts, indexes out of range.
 */
export function decodeExactSvmTransaction(
  payload: Record<string, unknown>,
): { decoded: DecodedTransaction } | { rejection: Rejection } {
  const parsed = exactSvmPayloadSchema.safeParse(payload)
  if (!parsed.success || parsed.data.transaction.length % 4 !== 0) {
    return undecodable('payload.transaction must be the base64 of one transaction')
  }
  try {
    return decodeBytes(getBase64Encoder().encode(parsed.data.transaction))
  } catch (error) {
    return undecodable(error instanceof Error ? error.message : 'the transaction does not decode')
  }
}

function decodeBytes(
  bytes: ReadonlyUint8Array,
): { decoded: DecodedTransaction } | { rejection: Rejection } {
  if (bytes.length > transactionBytesMax) {
    return undecodable(
      `the transaction has ${bytes.length} bytes, more than ${transactionBytesMax}`,
    )
  }
  const [transaction, end] = getTransactionDecoder().read(bytes, 0)
  if (end !== bytes.length) return undecodable('bytes follow the transaction')
  const messageBytes = Uint8Array.from(transaction.messageBytes)
  const message = getCompiledTransactionMessageDecoder().decode(messageBytes)
  if (message.version !== 0) return undecodable(`message version ${message.version}, not 0`)
  if ((message.addressTableLookups?.length ?? 0) > 0) {
    return { rejection: rejection('SVM_EXACT_LOOKUP_TABLES', 'address lookup tables are refused') }
  }
  const reencoded = getCompiledTransactionMessageEncoder().encode(message)
  if (!sameBytes(reencoded, messageBytes)) return undecodable('the message is not canonical')
  const { staticAccounts, header } = message
  if (new Set(staticAccounts).size !== staticAccounts.length) {
    return undecodable('an account is listed twice')
  }
  const signerCount = header.numSignerAccounts
  if (
    signerCount < 1 ||
    signerCount > staticAccounts.length ||
    header.numReadonlySignerAccounts >= signerCount ||
    header.numReadonlyNonSignerAccounts > staticAccounts.length - signerCount
  ) {
    return undecodable('the message header does not fit its accounts')
  }
  const instructions: ResolvedInstruction[] = []
  for (const [index, compiled] of message.instructions.entries()) {
    const program = staticAccounts[compiled.programAddressIndex]
    const accounts = (compiled.accountIndices ?? []).map((at) => staticAccounts[at])
    if (!program || !accounts.every((account) => account !== undefined)) {
      return undecodable(`instruction ${index} names an account the message does not list`)
    }
    instructions.push({
      index,
      program,
      accounts: accounts.filter((account) => account !== undefined),
      data: Uint8Array.from(compiled.data ?? []),
    })
  }
  return {
    decoded: {
      transaction,
      message,
      staticAccounts,
      signers: staticAccounts.slice(0, signerCount),
      instructions,
      blockhash: message.lifetimeToken,
    },
  }
}

function undecodable(message: string): { rejection: Rejection } {
  return { rejection: rejection('SVM_EXACT_TRANSACTION_UNDECODABLE', message) }
}

function sameBytes(left: ArrayLike<number>, right: ArrayLike<number>): boolean {
  if (left.length !== right.length) return false
  for (let index = 0; index < left.length; index += 1) {
    if (left[index] !== right[index]) return false
  }
  return true
}

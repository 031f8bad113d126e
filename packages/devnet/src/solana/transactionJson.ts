/**
 * Renders transactions and their results the way Solana's RPC does in getTransaction and
 * simulateTransaction: `json` (indices), `jsonParsed` (addresses, instructions "partially
 * decoded"), `base64` and `base58`.
 * @module
 */
import { TOKEN_PROGRAM_ADDRESS } from '@solana-program/token'
import type {
  InnerInstructionRecord,
  ReturnData,
  TokenBalance,
  TransactionRecord,
} from './chainHistory.ts'
import { base58Encode, base64Encode } from './encoding.ts'
import type { SolanaChain } from './solanaChain.ts'
import { uiTokenAmount } from './tokenAccounts.ts'
import type { ParsedMessage, ParsedTransaction } from './wireTransaction.ts'

export const TRANSACTION_ENCODINGS = ['json', 'jsonParsed', 'base64', 'base58'] as const
export type TransactionEncoding = (typeof TRANSACTION_ENCODINGS)[number]

export type LoadedAddresses = { writable: string[]; readonly: string[] }

// An address lookup table account: a 56-byte header, then 32-byte addresses.
const LOOKUP_TABLE_HEADER_BYTES = 56

/** The addresses a v0 message loads from lookup tables (unknown tables load nothing). */
export function loadedAddresses(chain: SolanaChain, message: ParsedMessage): LoadedAddresses {
  const loaded: LoadedAddresses = { writable: [], readonly: [] }
  for (const lookup of message.addressTableLookups) {
    const table = chain.getAccount(lookup.accountKey)?.data ?? new Uint8Array(0)
    const at = (index: number): string => {
      const start = LOOKUP_TABLE_HEADER_BYTES + 32 * index
      const bytes = table.subarray(start, start + 32)
      return bytes.length === 32 ? base58Encode(bytes) : 'unknown'
    }
    loaded.writable.push(...lookup.writableIndexes.map(at))
    loaded.readonly.push(...lookup.readonlyIndexes.map(at))
  }
  return loaded
}

/** Every account key of the transaction in index order: static keys, then loaded ones. */
export function accountKeys(message: ParsedMessage, loaded: LoadedAddresses): string[] {
  return [...message.staticAccounts, ...loaded.writable, ...loaded.readonly]
}

/** The `transaction` field of getTransaction in `encoding`. */
export function transactionJson(
  transaction: ParsedTransaction,
  encoding: TransactionEncoding,
  loaded: LoadedAddresses,
): unknown {
  if (encoding === 'base64') return [base64Encode(transaction.bytes), 'base64']
  if (encoding === 'base58') return [base58Encode(transaction.bytes), 'base58']
  const message = transaction.message
  const keys = accountKeys(message, loaded)
  const json: Record<string, unknown> = {
    header: {
      numRequiredSignatures: message.numRequiredSignatures,
      numReadonlySignedAccounts: message.numReadonlySignedAccounts,
      numReadonlyUnsignedAccounts: message.numReadonlyUnsignedAccounts,
    },
    accountKeys:
      encoding === 'json'
        ? message.staticAccounts
        : keys.map((pubkey, index) => ({
            pubkey,
            signer: index < message.numRequiredSignatures,
            writable: isWritable(message, loaded, index),
            source: index < message.staticAccounts.length ? 'transaction' : 'lookupTable',
          })),
    recentBlockhash: message.recentBlockhash,
    instructions: message.instructions.map((instruction) => {
      const call = { ...instruction, accounts: instruction.accountIndices, stackHeight: null }
      return instructionJson(call, encoding, keys)
    }),
  }
  if (message.version === 0) {
    json.addressTableLookups = message.addressTableLookups
  }
  if (encoding === 'jsonParsed') delete json.header
  return { signatures: transaction.signatures.map(base58Encode), message: json }
}

function isWritable(message: ParsedMessage, loaded: LoadedAddresses, index: number): boolean {
  const staticCount = message.staticAccounts.length
  if (index >= staticCount) return index < staticCount + loaded.writable.length
  if (index < message.numRequiredSignatures) {
    return index < message.numRequiredSignatures - message.numReadonlySignedAccounts
  }
  return index < staticCount - message.numReadonlyUnsignedAccounts
}

type InstructionCall = {
  programIdIndex: number
  accounts: number[]
  data: Uint8Array
  stackHeight: number | null
}

function instructionJson(call: InstructionCall, encoding: TransactionEncoding, keys: string[]) {
  if (encoding !== 'jsonParsed') {
    return { ...call, data: base58Encode(call.data) }
  }
  return {
    programId: keys[call.programIdIndex] ?? 'unknown',
    accounts: call.accounts.map((index) => keys[index] ?? 'unknown'),
    data: base58Encode(call.data),
    stackHeight: call.stackHeight,
  }
}

/** `innerInstructions` of a transaction's meta or of a simulation. */
export function innerInstructionsJson(
  inner: InnerInstructionRecord[],
  encoding: TransactionEncoding,
  keys: string[],
): unknown {
  return inner.map(({ index, instructions }) => ({
    index,
    instructions: instructions.map((call) => instructionJson(call, encoding, keys)),
  }))
}

export function returnDataJson(returnData: ReturnData | null): unknown {
  if (returnData === null) return null
  return { programId: returnData.programId, data: [base64Encode(returnData.data), 'base64'] }
}

function tokenBalancesJson(balances: TokenBalance[]): unknown {
  return balances.map((balance) => ({
    accountIndex: balance.accountIndex,
    mint: balance.mint,
    owner: balance.owner,
    programId: TOKEN_PROGRAM_ADDRESS,
    uiTokenAmount: uiTokenAmount(balance.amount, balance.decimals),
  }))
}

/** The `meta` field of getTransaction. */
export function transactionMetaJson(
  record: TransactionRecord,
  encoding: TransactionEncoding,
  loaded: LoadedAddresses,
): unknown {
  const keys = accountKeys(record.transaction.message, loaded)
  return {
    err: record.err,
    status: record.err === null ? { Ok: null } : { Err: record.err },
    fee: record.fee,
    preBalances: record.preBalances,
    postBalances: record.postBalances,
    innerInstructions: innerInstructionsJson(record.innerInstructions, encoding, keys),
    logMessages: record.logs,
    preTokenBalances: tokenBalancesJson(record.preTokenBalances),
    postTokenBalances: tokenBalancesJson(record.postTokenBalances),
    rewards: [],
    loadedAddresses: loaded,
    computeUnitsConsumed: record.unitsConsumed,
    returnData: returnDataJson(record.returnData) ?? undefined,
  }
}

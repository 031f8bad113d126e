/**
 * The two bounded memories of the Solana devnet: which blockhashes are still valid, and what
 * happened to recent transactions (for getSignatureStatuses and getTransaction).
 * @module
 */
import { createHash } from 'node:crypto'
import type { TransactionErrorJson } from './transactionErrors.ts'
import type { ParsedTransaction } from './wireTransaction.ts'

/** Blocks a blockhash stays usable after it is issued (Solana's MAX_PROCESSING_AGE). */
export const BLOCKHASH_VALID_BLOCKS = 150n

/** Transactions remembered for status queries; older ones are forgotten first. */
export const TRANSACTION_RECORDS_MAX = 10_000

export type BlockhashWindow = {
  /** Records `blockhash` as issued at `blockHeight` and forgets the ones that expired. */
  issue(blockhash: string, blockHeight: bigint): void
  /** The last block height at which `blockhash` is accepted, or undefined if never issued. */
  lastValidBlockHeight(blockhash: string): bigint | undefined
}

/**
 * Tracks issued blockhashes. A blockhash issued at height h is valid while the chain's height is
 * at most h + 150, which is the `lastValidBlockHeight` that getLatestBlockhash reports.
 */
export function createBlockhashWindow(validBlocks = BLOCKHASH_VALID_BLOCKS): BlockhashWindow {
  // Insertion order is issue order, so expired entries are always at the front.
  const issued = new Map<string, bigint>()
  return {
    issue(blockhash, blockHeight) {
      issued.set(blockhash, blockHeight)
      for (const [hash, height] of issued) {
        if (height + validBlocks >= blockHeight) break
        issued.delete(hash)
      }
    },
    lastValidBlockHeight(blockhash) {
      const height = issued.get(blockhash)
      return height === undefined ? undefined : height + validBlocks
    },
  }
}

export type TokenBalance = {
  accountIndex: number
  mint: string
  owner: string
  amount: bigint
  decimals: number
}

export type InnerInstructionRecord = {
  /** Index of the top-level instruction that made these calls. */
  index: number
  instructions: {
    programIdIndex: number
    accounts: number[]
    data: Uint8Array
    stackHeight: number
  }[]
}

export type ReturnData = { programId: string; data: Uint8Array }

/** What executing a transaction produced, whether it landed or was only simulated. */
export type ExecutionResult = {
  err: TransactionErrorJson | null
  logs: string[]
  unitsConsumed: bigint
  returnData: ReturnData | null
  innerInstructions: InnerInstructionRecord[]
}

/** A transaction that landed in a block, successfully or not. */
export type TransactionRecord = ExecutionResult & {
  signature: string
  slot: bigint
  blockTime: number
  transaction: ParsedTransaction
  fee: bigint
  preBalances: bigint[]
  postBalances: bigint[]
  preTokenBalances: TokenBalance[]
  postTokenBalances: TokenBalance[]
}

export type TransactionRecords = {
  add(record: TransactionRecord): void
  get(signature: string): TransactionRecord | undefined
  /**
   * True when a transaction with this signature or with the same message already landed. The
   * message matters too: ed25519 signatures are not unique, so a second valid signature of the
   * same message must not make it land twice (Solana's status cache also keys on the message).
   */
  has(transaction: ParsedTransaction): boolean
  /** Forgets a transaction that was taken back (its fork abandoned). */
  delete(signature: string): void
  readonly size: number
}

/** A signature-keyed store of landed transactions holding at most `capacity` entries. */
export function createTransactionRecords(capacity = TRANSACTION_RECORDS_MAX): TransactionRecords {
  const records = new Map<string, TransactionRecord>()
  const signatureByMessage = new Map<string, string>()
  return {
    add(record) {
      records.set(record.signature, record)
      signatureByMessage.set(messageKey(record.transaction), record.signature)
      for (const [signature, oldest] of records) {
        if (records.size <= capacity) break
        records.delete(signature)
        signatureByMessage.delete(messageKey(oldest.transaction))
      }
    },
    get: (signature) => records.get(signature),
    has: (transaction) =>
      records.has(transaction.signature) || signatureByMessage.has(messageKey(transaction)),
    delete(signature) {
      const record = records.get(signature)
      if (record === undefined) return
      records.delete(signature)
      signatureByMessage.delete(messageKey(record.transaction))
    },
    get size() {
      return records.size
    },
  }
}

function messageKey(transaction: ParsedTransaction): string {
  return createHash('sha256').update(transaction.messageBytes).digest('base64')
}

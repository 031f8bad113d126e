/**
 * What the Solana devnet needs to take back a transaction that is not yet finalized, as a
 * cluster does when the fork holding it is abandoned: the accounts it referenced, as they were
 * before it ran. Kept only while the transaction is younger than the finality depth.
 * @module
 */
import type { ChainAccount } from './tokenAccounts.ts'

export type UndoEntry = {
  signature: string
  slot: bigint
  /** Every account the transaction referenced, before it ran; undefined: it did not exist. */
  before: Map<string, ChainAccount | undefined>
}

export type UndoLog = {
  add(entry: UndoEntry): void
  /** Forgets the entries of transactions that landed at or before `slot` (now finalized). */
  forgetUpTo(slot: bigint): void
  /**
   * Takes out the entry of `signature` and every later one, newest first (later transactions
   * built on its state, so they go with it); undefined when `signature` has no entry.
   */
  takeFrom(signature: string): UndoEntry[] | undefined
}

export function createUndoLog(): UndoLog {
  // Landing order: the oldest entries are at the front.
  let entries: UndoEntry[] = []
  return {
    add: (entry) => {
      entries.push(entry)
    },
    forgetUpTo(slot) {
      const kept = entries.findIndex((entry) => entry.slot > slot)
      entries = kept === -1 ? [] : entries.slice(kept)
    },
    takeFrom(signature) {
      const index = entries.findIndex((entry) => entry.signature === signature)
      if (index === -1) return undefined
      const taken = entries.slice(index).reverse()
      entries = entries.slice(0, index)
      return taken
    },
  }
}

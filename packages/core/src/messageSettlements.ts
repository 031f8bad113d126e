import type { PaymentPayload, PaymentRequirements, SettleResponse } from './wire/types.ts'

/**
 * Where a facilitator remembers settlements of chains whose buyer signs the whole transaction
 * and the facilitator only co-signs it as fee payer, keyed by the hash of the compiled message
 * bytes: a copy of a payment that was re-encoded or re-signed by the buyer has the same message,
 * so it is the same payment. The shape follows the settlement ledger (claim with a lease, store
 * the signed transaction before broadcast, finish), so a SQL store can back it. A store that
 * shares the settlement ledger's database (`SqlMessageSettlements`) also keeps each payment in
 * the ledger, so operators see them beside every other payment.
 */

/**
 * `included`: the transaction was seen in a block below the network's finality; its answer so
 * far is kept, and it goes back to `submitted` if the block is abandoned.
 */
export type MessageSettlementState = 'claimed' | 'submitted' | 'included' | 'finished'

export interface MessageSettlementRecord {
  messageHash: string
  network: string
  state: MessageSettlementState
  /** The process that claimed it, and until when (ms since the epoch) its claim holds. */
  owner: string
  leaseUntilMs: number
  payer?: string | undefined
  /** The transaction's signature (the fee payer's, base58), once signed. */
  transaction?: string | undefined
  /** The fully signed transaction (base64), so any process can broadcast it again. */
  raw?: string | undefined
  blockhash?: string | undefined
  /** The final answer once finished; the success answered at inclusion while included. */
  outcome?: SettleResponse | undefined
}

export type MessageSettlementClaim =
  /** The caller now settles this payment. */
  | { status: 'claimed'; record: MessageSettlementRecord }
  /** Someone settled or is settling it: the record says where it stands. */
  | { status: 'existing'; record: MessageSettlementRecord }

/** What a payment is, as the ledger shows it; given with the claim, after static verification. */
export interface MessagePaymentDetails {
  scheme: string
  /** The transfer's authority (base58). */
  payer: string
  payTo: string
  /** The mint (base58). */
  asset: string
  /** Atomic units, as a decimal string. */
  amount: string
  payment: { paymentPayload: PaymentPayload; paymentRequirements: PaymentRequirements }
}

/** Why a claim was released without a transaction: the reason code of the failed settle. */
export interface MessageReleaseCause {
  reason: string
  message?: string | undefined
  /**
   * The payment itself is fine and may settle later (the fee payer could not pay): the ledger
   * keeps it open instead of failed.
   */
  retryable?: boolean | undefined
}

export interface MessageSubmission {
  transaction: string
  raw: string
  blockhash: string
  payer: string
}

export interface MessageSettlementRecords {
  /**
   * Creates the record, or returns the existing one. A claim whose owner let its lease run out
   * before submitting (a crashed process) is claimed again.
   */
  claim(
    messageHash: string,
    claim: { network: string; owner: string; leaseMs: number; payment: MessagePaymentDetails },
  ): Promise<MessageSettlementClaim>
  get(messageHash: string): Promise<MessageSettlementRecord | undefined>
  /** Stores the signed transaction. Called before it is broadcast, so it is never lost. */
  submit(messageHash: string, submission: MessageSubmission): Promise<void>
  /** Stores the final answer; later settles of the payment get it. */
  finish(messageHash: string, outcome: SettleResponse): Promise<void>
  /**
   * The transaction is in a block not yet final: keeps the success answered so far (the ledger
   * payment becomes `included`).
   */
  include(messageHash: string, outcome: SettleResponse): Promise<void>
  /**
   * The included transaction is no longer known to the cluster (its block was abandoned): back
   * to `submitted`, so it is sent again (the ledger payment becomes `submitted`).
   */
  revert(messageHash: string): Promise<void>
  /** The wait for the submitted transaction timed out; it is still live (ledger: `pending`). */
  pending(messageHash: string, message: string): Promise<void>
  /**
   * Drops a claim that sent nothing (the payment failed simulation, or signing failed), so it may
   * be retried; `cause` is what the settle answered.
   */
  release(messageHash: string, owner: string, cause: MessageReleaseCause): Promise<void>
}

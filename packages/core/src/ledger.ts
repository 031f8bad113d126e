import type { MessageSettlementRecords } from './messageSettlements.ts'
import type { PaymentPayload, PaymentRequirements } from './wire/types.ts'

/**
 * The settlement ledger port: what a facilitator must remember so a payment is settled at most
 * once, across retries, restarts and processes. `@tollgate/ledger` implements it in SQL.
 *
 * A payment moves received → verified (waiting for a transaction) → submitted → included (in a
 * block, not yet the network's confirmation depth deep) → confirmed | failed, with pending when a
 * submitted transaction was not confirmed in time (it is still live and watched). A reorganised
 * block moves an included or confirmed payment back to submitted.
 */
export type PaymentState =
  | 'received'
  | 'verified'
  | 'submitted'
  | 'pending'
  | 'included'
  | 'confirmed'
  | 'failed'

/** Every payment state, in the order a payment moves through them. */
export const paymentStates: readonly PaymentState[] = [
  'received',
  'verified',
  'submitted',
  'pending',
  'included',
  'confirmed',
  'failed',
]

export function isPaymentState(name: string): name is PaymentState {
  return (paymentStates as readonly string[]).includes(name)
}

export const terminalPaymentStates: readonly PaymentState[] = ['confirmed', 'failed']

export interface NewPayment {
  /**
   * One authorization, one key, chosen by its scheme: e.g. `network|asset|payer|nonce` for a
   * signed transfer authorization, `network|messageHash` for a transaction the buyer signed.
   */
  key: string
  /**
   * Hash of the exact signed payload, to tell a retry from a different payload. For a transaction
   * the buyer signed it is the message hash: a copy re-encoded or re-signed is the same payment.
   */
  payloadHash: string
  network: string
  scheme: string
  payer: string
  payTo: string
  asset: string
  amount: string
  paymentIdentifier?: string | undefined
  payment: { paymentPayload: PaymentPayload; paymentRequirements: PaymentRequirements }
}

export interface LedgerPayment extends NewPayment {
  id: number
  state: PaymentState
  reason: string | undefined
  message: string | undefined
  /**
   * The transaction that settled it, or the latest one submitted for it, as its chain names it
   * (a hash, or the fee payer's signature).
   */
  transaction: string | undefined
  attempts: number
  owner: string | undefined
  createdAt: Date
  updatedAt: Date
}

export type ClaimResult =
  /** This caller now processes the payment. */
  | { status: 'claimed'; payment: LedgerPayment }
  /** Someone has processed or is processing it: its record says where it stands. */
  | { status: 'existing'; payment: LedgerPayment }

export type TransactionState = 'signed' | 'broadcast' | 'mined' | 'reverted' | 'dropped'

export interface LedgerTransaction {
  hash: string
  network: string
  signer: string
  nonce: number
  /** The signed transaction, so it can be broadcast again, never re-signed for a new nonce. */
  raw: string
  kind: string
  state: TransactionState
  maxFeePerGas: string | undefined
  paymentIds: number[]
  createdAt: Date
  /** The block that mined it, as last seen (absent until mined, cleared by a reorganisation). */
  blockNumber?: bigint | undefined
  blockHash?: string | undefined
}

export interface SignedTransaction {
  hash: string
  raw: string
  maxFeePerGas?: string | undefined
}

export interface PaymentChange {
  reason?: string | undefined
  message?: string | undefined
  transaction?: string | undefined
}

export interface SettlementLedger {
  /** True when no other process can use this ledger (embedded database): recovery need not wait. */
  readonly exclusive: boolean
  /**
   * Creates the payment, or returns the one with the same key. A payment that failed before any
   * transaction, or whose owner stopped renewing its lease before submitting, is claimed again.
   */
  claim(payment: NewPayment, owner: string, leaseMs: number): Promise<ClaimResult>
  /** `claim` for many payments in one round trip, results in the same order. */
  claimMany(payments: NewPayment[], owner: string, leaseMs: number): Promise<ClaimResult[]>
  /** Moves payments to a state; with `from`, only those currently in one of those states. */
  transition(
    ids: number[],
    to: PaymentState,
    change?: PaymentChange,
    from?: PaymentState[],
  ): Promise<number>
  findByKey(key: string): Promise<LedgerPayment | undefined>
  findByIdentifier(identifier: string): Promise<LedgerPayment | undefined>
  recent(options: {
    limit: number
    states?: PaymentState[]
    network?: string
  }): Promise<LedgerPayment[]>
  /**
   * In one database transaction: takes the signer's next nonce (never below `chainNonce`), signs
   * with it, stores the signed transaction and marks the payments submitted. Nothing is broadcast
   * before this returns, so a crash never loses a transaction that may be on chain.
   */
  submit(input: {
    network: string
    signer: string
    kind: string
    paymentIds: number[]
    chainNonce: number
    sign: (nonce: number) => Promise<SignedTransaction>
  }): Promise<LedgerTransaction>
  /** Stores a replacement (same nonce, higher fee) for a stuck transaction. */
  replace(previous: LedgerTransaction, signed: SignedTransaction): Promise<LedgerTransaction>
  /**
   * Stores a transaction that only takes the nonce of one the node refused (a 0-value transfer
   * to the signer itself), so later nonces are not stuck behind a gap. It settles no payment.
   */
  fillNonce(refused: LedgerTransaction, signed: SignedTransaction): Promise<LedgerTransaction>
  markTransaction(
    hash: string,
    change: {
      state: TransactionState
      gasUsed?: bigint | undefined
      blockNumber?: bigint | undefined
      blockHash?: string | undefined
    },
  ): Promise<void>
  /**
   * Records a transaction's receipt in one statement: the payments it included move to
   * `payments.to` (only those now in one of `payments.from`), and the transaction is marked with
   * its block. Either both are stored or neither is.
   */
  recordReceipt(
    hash: string,
    change: {
      state: 'mined' | 'reverted'
      gasUsed: bigint
      blockNumber: bigint
      blockHash: string
    },
    payments?: { ids: number[]; to: PaymentState; from: PaymentState[] },
  ): Promise<void>
  /** Transactions signed or broadcast and not yet final, oldest first; with `owner`, only theirs. */
  openTransactions(network: string, owner?: string): Promise<LedgerTransaction[]>
  /**
   * Transactions recorded mined or reverted in a block at or above `fromBlock`, with that block's
   * number and hash, lowest block first: what a reorganisation of the newest blocks can undo.
   */
  minedSince(network: string, fromBlock: bigint): Promise<LedgerTransaction[]>
  /**
   * Records that the block holding `hash` was reorganised away, in one database transaction: the
   * transaction is `broadcast` again (its block forgotten) and the payments it had included or
   * confirmed are `submitted` again. Returns those payments.
   */
  reorganised(hash: string): Promise<LedgerPayment[]>
  /** The newest `limit` transactions of these kinds on a network, newest first. */
  transactionsOfKind(
    network: string,
    kinds: readonly string[],
    limit: number,
  ): Promise<LedgerTransaction[]>
  /** One stored transaction by its hash. */
  findTransaction(hash: string): Promise<LedgerTransaction | undefined>
  /** Every transaction stored for the payments of `hash` (replacements share a nonce). */
  transactionsForNonce(network: string, signer: string, nonce: number): Promise<LedgerTransaction[]>
  paymentsOf(hash: string): Promise<LedgerPayment[]>
  /**
   * Claims non-final payments whose owner's lease ran out (a crashed process), for recovery.
   * `everyone` claims all open payments, for a process that knows it is alone (embedded ledger).
   * Payments settled through their own records (`MessageSettlementRecords`) are never
   * taken: those records drive them. With `network`, only that network's payments: each
   * network's recovery settles its own.
   */
  takeOverExpired(
    owner: string,
    leaseMs: number,
    limit: number,
    everyone?: boolean,
    network?: string,
  ): Promise<LedgerPayment[]>
  renewLeases(owner: string, leaseMs: number): Promise<void>
  recordVerifications(
    rows: Array<{
      network: string
      scheme: string
      payer?: string | undefined
      payTo: string
      amount: string
      reason?: string | undefined
    }>,
  ): Promise<void>
  /**
   * Binds the ledger to a chain by id and genesis block hash: `different` means the ledger was
   * written for another chain (a devnet restarted from scratch) and must not be trusted for it.
   */
  bindChain(
    network: string,
    chainId: number,
    genesisHash: string,
  ): Promise<'bound' | 'same' | 'different'>
  /**
   * Housekeeping the database does not do itself; called now and then by the facilitator. The
   * embedded database has no autovacuum, so its tables would fill with dead rows.
   */
  maintain?(): Promise<void>
  /**
   * Settlement records kept in this ledger's database, for schemes whose buyer signs the whole
   * transaction; absent when the ledger has nowhere durable to keep them.
   */
  messageSettlements?(): MessageSettlementRecords
  close(): Promise<void>
}

/** What may be shown of a payment outside the facilitator. */
export interface PaymentSummary {
  id: number
  state: PaymentState
  network: string
  scheme: string
  payer: string
  payTo: string
  asset: string
  amount: string
  /**
   * The most the payer authorized, when the charge (`amount`) may be less (`upto`): read from
   * the payload by its scheme, where the facilitator shows it.
   */
  authorizedAmount?: string
  transaction?: string
  reason?: string
  message?: string
  paymentIdentifier?: string
  attempts: number
  createdAt: string
  updatedAt: string
}

/**
 * A payment as the ledger API and `tollgate ledger` show it. The signed payload stays out: until
 * it is settled, a signed authorization is as good as the money. Absent fields are omitted.
 */
export function paymentSummary(payment: LedgerPayment): PaymentSummary {
  return {
    id: payment.id,
    state: payment.state,
    network: payment.network,
    scheme: payment.scheme,
    payer: payment.payer,
    payTo: payment.payTo,
    asset: payment.asset,
    amount: payment.amount,
    ...(payment.transaction ? { transaction: payment.transaction } : {}),
    ...(payment.reason ? { reason: payment.reason } : {}),
    ...(payment.message ? { message: payment.message } : {}),
    ...(payment.paymentIdentifier ? { paymentIdentifier: payment.paymentIdentifier } : {}),
    attempts: payment.attempts,
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
  }
}

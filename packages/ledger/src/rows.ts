import type {
  LedgerPayment,
  LedgerTransaction,
  PaymentState,
  TransactionState,
} from '@tollgate/core'

/** Rows as the two drivers return them: bigints may be numbers (PGlite) or strings (pg). */
export interface PaymentRow {
  id: number | string
  key: string
  payload_hash: string
  network: string
  scheme: string
  payer: string
  pay_to: string
  asset: string
  amount: string
  state: string
  reason: string | null
  message: string | null
  tx_hash: string | null
  payment_identifier: string | null
  payment: LedgerPayment['payment']
  owner: string | null
  attempts: number | string
  created_at: Date
  updated_at: Date
}

export interface TransactionRow {
  hash: string
  network: string
  signer: string
  nonce: number | string
  raw: string
  kind: string
  state: string
  max_fee_per_gas: string | null
  payment_ids: Array<number | string> | null
  created_at: Date
  block_number: string | null
  block_hash: string | null
}

export function toPayment(row: PaymentRow): LedgerPayment {
  return {
    id: Number(row.id),
    key: row.key,
    payloadHash: row.payload_hash,
    network: row.network,
    scheme: row.scheme,
    payer: row.payer,
    payTo: row.pay_to,
    asset: row.asset,
    amount: String(row.amount),
    state: row.state as PaymentState,
    reason: row.reason ?? undefined,
    message: row.message ?? undefined,
    transaction: row.tx_hash ?? undefined,
    paymentIdentifier: row.payment_identifier ?? undefined,
    // Written by this ledger from a parsed payment, so it is read back as it was stored.
    payment: row.payment,
    owner: row.owner ?? undefined,
    attempts: Number(row.attempts),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }
}

export function toTransaction(row: TransactionRow): LedgerTransaction {
  return {
    hash: row.hash,
    network: row.network,
    signer: row.signer,
    nonce: Number(row.nonce),
    raw: row.raw,
    kind: row.kind,
    state: row.state as TransactionState,
    maxFeePerGas: row.max_fee_per_gas ?? undefined,
    paymentIds: (row.payment_ids ?? []).map(Number),
    createdAt: new Date(row.created_at),
    ...(row.block_number !== null ? { blockNumber: BigInt(row.block_number) } : {}),
    ...(row.block_hash !== null ? { blockHash: row.block_hash } : {}),
  }
}

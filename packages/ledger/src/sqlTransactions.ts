import type { LedgerTransaction, SettlementLedger, SignedTransaction } from '@tollgate/core'
import type { Sql } from '@tollgate/sql'
import { logChanged, open } from './sqlFragments.ts'

/** The writes that store and mark the facilitator's own transactions. */

export type SubmitInput = Parameters<SettlementLedger['submit']>[0]
export type TransactionMark = Parameters<SettlementLedger['markTransaction']>[1]
export type ReceiptMark = Parameters<SettlementLedger['recordReceipt']>[1]
export type ReceiptPayments = NonNullable<Parameters<SettlementLedger['recordReceipt']>[2]>

/**
 * Stores a signed transaction, links its payments and marks them submitted, in one statement.
 * A payment still `received` (verified in memory, in the same batch) also gets its `verified`
 * step in the history.
 */
export async function insertTransaction(
  tx: Sql,
  input: { network: string; signer: string; nonce: number; kind: string; paymentIds: number[] },
  signed: SignedTransaction,
  nextNonce?: number,
): Promise<void> {
  const bump =
    nextNonce === undefined
      ? ''
      : `bumped as (update tollgate_signer_nonces set next_nonce = greatest(next_nonce, $9)
           where network = $3 and signer = $4 returning 1),`
  await tx.query(
    `with ${bump} stored as (
       insert into tollgate_transactions (hash, network, signer, nonce, raw, kind, state, max_fee_per_gas)
       values ($1, $3, $4, $5, $6, $7, 'signed', $8) returning hash),
     linked as (
       insert into tollgate_transaction_payments (tx_hash, payment_id)
       select hash, unnest($2::bigint[]) from stored returning payment_id),
     before as (
       select id, state from tollgate_payments where id = any($2::bigint[]) and ${open}),
     changed as (
       update tollgate_payments p set state = 'submitted', tx_hash = $1, updated_at = now()
       from before where p.id = before.id returning p.id, p.state, p.reason, p.tx_hash),
     logged as (
       insert into tollgate_payment_events (payment_id, state, reason, tx_hash)
       select id, 'verified', null, null from before where state = 'received'
       union all select id, state, reason, tx_hash from changed returning 1)
     select (select count(*) from linked) as linked, (select count(*) from logged) as logged`,
    [
      signed.hash,
      input.paymentIds,
      input.network,
      input.signer,
      input.nonce,
      signed.raw,
      input.kind,
      signed.maxFeePerGas ?? null,
      ...(nextNonce === undefined ? [] : [nextNonce]),
    ],
  )
}

export async function markTransaction(
  sql: Sql,
  hash: string,
  change: TransactionMark,
): Promise<void> {
  await sql.query(
    // States only move forward: a late "broadcast" never undoes "mined" (a reorganisation
    // does, through `reorganised`).
    `update tollgate_transactions set state = $2, gas_used = coalesce($3, gas_used),
       block_number = coalesce($4, block_number), block_hash = coalesce($5, block_hash),
       updated_at = now()
     where hash = $1 and (state = 'signed' or $2 <> 'broadcast')`,
    [
      hash,
      change.state,
      change.gasUsed?.toString() ?? null,
      change.blockNumber?.toString() ?? null,
      change.blockHash?.toLowerCase() ?? null,
    ],
  )
}

export async function recordReceipt(
  sql: Sql,
  hash: string,
  change: ReceiptMark,
  payments?: ReceiptPayments,
): Promise<void> {
  // Data-modifying parts of a statement all run, read or not, and commit together.
  await sql.query(
    `with changed as (
       update tollgate_payments set state = $6, reason = null, message = null, tx_hash = $1,
         updated_at = now()
       where id = any($7::bigint[]) and state = any($8::text[])
       returning id, state, reason, tx_hash), ${logChanged},
     marked as (
       update tollgate_transactions set state = $2, gas_used = $3, block_number = $4,
         block_hash = $5, updated_at = now()
       where hash = $1 returning 1)
     select (select count(*) from logged) as logged, (select count(*) from marked) as marked`,
    [
      hash,
      change.state,
      change.gasUsed.toString(),
      change.blockNumber.toString(),
      change.blockHash.toLowerCase(),
      payments?.to ?? null,
      payments?.ids ?? [],
      payments?.from ?? [],
    ],
  )
}

export function transactionOf(
  input: SubmitInput,
  nonce: number,
  signed: SignedTransaction,
): LedgerTransaction {
  return {
    hash: signed.hash,
    network: input.network,
    signer: input.signer,
    nonce,
    raw: signed.raw,
    kind: input.kind,
    state: 'signed',
    maxFeePerGas: signed.maxFeePerGas,
    paymentIds: input.paymentIds,
    createdAt: new Date(),
  }
}

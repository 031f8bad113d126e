/** SQL pieces the ledger's statements share. */

export const open = `state not in ('confirmed', 'failed')`
export const lease = (parameter: number) =>
  `now() + ($${parameter}::bigint * interval '1 millisecond')`
/** Every state change leaves a row in the payment's history. */
export const logChanged = `logged as (
  insert into tollgate_payment_events (payment_id, state, reason, tx_hash)
  select id, state, reason, tx_hash from changed returning 1)`

export const transactionColumns = `t.hash, t.network, t.signer, t.nonce, t.raw, t.kind, t.state, t.max_fee_per_gas::text,
  t.created_at, t.block_number::text as block_number, t.block_hash, (select array_agg(payment_id) from tollgate_transaction_payments tp where tp.tx_hash = t.hash)
  as payment_ids`

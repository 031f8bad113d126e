import type { ClaimResult, NewPayment } from '@tollgate/core'
import type { Sql } from '@tollgate/sql'
import { type PaymentRow, toPayment } from './rows.ts'
import { lease, logChanged } from './sqlFragments.ts'

/** Deadlock and serialization failure: the statement was rolled back and may run again. */
const retryableStates = new Set(['40P01', '40001'])
const statementAttemptsMax = 5

/**
 * Claims payments in one statement: new keys are inserted; a key whose payment failed before any
 * transaction (by any payload for it), or whose owner let its lease run out before submitting (by
 * the same payload), is taken over; any other key is returned as it stands.
 */
export async function claimPayments(
  sql: Sql,
  payments: NewPayment[],
  owner: string,
  leaseMs: number,
): Promise<ClaimResult[]> {
  if (payments.length === 0) return []
  // Rows are inserted and locked in key order, so two batches that share keys wait for each other
  // instead of each holding a key the other needs.
  const ordered = [...payments].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
  let inserted: PaymentRow[]
  try {
    inserted = await retried(() => insertPayments(sql, ordered, owner, leaseMs))
  } catch (error) {
    // One row's payment identifier clashing fails the whole statement: claim one by one.
    if (payments.length === 1 || !isUniqueViolation(error)) throw error
    return (
      await Promise.all(payments.map((payment) => claimPayments(sql, [payment], owner, leaseMs)))
    ).flat()
  }
  const results = new Map<string, ClaimResult>()
  for (const row of inserted) results.set(row.key, { status: 'claimed', payment: toPayment(row) })
  let rest = ordered.filter((payment) => !results.has(payment.key))
  if (rest.length > 0) {
    // A payment that failed before any transaction existed moved nothing: any payload for its
    // key may take it over (a forged copy that failed first must not lock the genuine one out),
    // and the row then describes the attempt being made. The same payload may also take it over
    // when its owner stopped renewing the lease before submitting (a crash).
    const retaken = await retried(() => retakePayments(sql, rest, owner, leaseMs))
    for (const row of retaken) results.set(row.key, { status: 'claimed', payment: toPayment(row) })
    rest = rest.filter((payment) => !results.has(payment.key))
  }
  if (rest.length > 0) {
    const existing = await sql.query<PaymentRow>(
      'select * from tollgate_payments where key = any($1::text[])',
      [rest.map((payment) => payment.key)],
    )
    for (const row of existing)
      results.set(row.key, { status: 'existing', payment: toPayment(row) })
  }
  return payments.map((payment) => {
    const result = results.get(payment.key)
    if (!result) throw new Error(`payment ${payment.key} vanished while being claimed`)
    return result
  })
}

/**
 * Takes over the rows that may be claimed again. The rows are locked first, in key order (the
 * lock step runs above the sort), so concurrent batches take shared rows in the same order.
 */
function retakePayments(
  sql: Sql,
  rest: NewPayment[],
  owner: string,
  leaseMs: number,
): Promise<PaymentRow[]> {
  return sql.query<PaymentRow>(
    `with target as (
         select p.id, t.payload_hash, t.pay_to, t.amount, t.payment, t.payment_identifier
         from tollgate_payments p
         join unnest($1::text[], $2::text[], $5::text[], $6::numeric[], $7::jsonb[], $8::text[])
           as t(key, payload_hash, pay_to, amount, payment, payment_identifier) on p.key = t.key
         where p.tx_hash is null
           and (p.state = 'failed' or (p.payload_hash = t.payload_hash
             and p.state in ('received', 'verified') and p.lease_until < now()))
         order by p.key for update of p),
       changed as (
         update tollgate_payments p set state = 'received', owner = $3, lease_until = ${lease(4)},
           attempts = attempts + 1, reason = null, message = null, updated_at = now(),
           payload_hash = t.payload_hash, pay_to = t.pay_to, amount = t.amount, payment = t.payment,
           payment_identifier = case when p.payload_hash = t.payload_hash
             then p.payment_identifier else t.payment_identifier end
         from target t where p.id = t.id
         returning p.*), ${logChanged}
       select * from changed`,
    [
      rest.map((payment) => payment.key),
      rest.map((payment) => payment.payloadHash),
      owner,
      leaseMs,
      rest.map((payment) => payment.payTo),
      rest.map((payment) => payment.amount),
      rest.map((payment) => JSON.stringify(payment.payment)),
      rest.map((payment) => payment.paymentIdentifier ?? null),
    ],
  )
}

/**
 * A new row's columns but the payment document, which the caller already holds: read back, it
 * was most of what the statement returned, and parsed again for each row.
 */
const columnsButPayment = `id, key, payload_hash, network, scheme, payer, pay_to, asset, amount, state,
  reason, message, tx_hash, payment_identifier, owner, attempts, created_at, updated_at`

async function insertPayments(
  sql: Sql,
  payments: NewPayment[],
  owner: string,
  leaseMs: number,
): Promise<PaymentRow[]> {
  const column = <T>(pick: (payment: NewPayment) => T) => payments.map(pick)
  const byKey = new Map(payments.map((payment) => [payment.key, payment.payment]))
  const rows = await sql.query<Omit<PaymentRow, 'payment'>>(
    `with changed as (
       insert into tollgate_payments (key, payload_hash, network, scheme, payer, pay_to, asset, amount,
         state, payment_identifier, payment, owner, lease_until)
       select key, payload_hash, network, scheme, payer, pay_to, asset, amount, 'received',
         payment_identifier, payment, $11, ${lease(12)}
       from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
         $8::numeric[], $9::text[], $10::jsonb[])
         as t(key, payload_hash, network, scheme, payer, pay_to, asset, amount, payment_identifier, payment)
       on conflict (key) do nothing returning ${columnsButPayment}), ${logChanged}
     select * from changed`,
    [
      column((payment) => payment.key),
      column((payment) => payment.payloadHash),
      column((payment) => payment.network),
      column((payment) => payment.scheme),
      column((payment) => payment.payer),
      column((payment) => payment.payTo),
      column((payment) => payment.asset),
      column((payment) => payment.amount),
      column((payment) => payment.paymentIdentifier ?? null),
      column((payment) => JSON.stringify(payment.payment)),
      owner,
      leaseMs,
    ],
  )
  return rows.map((row) => ({ ...row, payment: byKey.get(row.key)! }))
}

/**
 * Runs one statement again when the database chose it as a deadlock or serialization victim (it
 * was rolled back whole), a bounded number of times after a short random pause. Each statement
 * is retried alone: one that committed is never run twice.
 */
async function retried<T>(statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement()
    } catch (error) {
      if (attempt >= statementAttemptsMax || !retryableStates.has(sqlState(error))) throw error
      await new Promise((resume) => setTimeout(resume, Math.random() * 20 * attempt))
    }
  }
}

function sqlState(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : ''
}

function isUniqueViolation(error: unknown): boolean {
  return sqlState(error) === '23505'
}

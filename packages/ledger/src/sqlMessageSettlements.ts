/**
 * @module
 * Message settlements (chains whose buyer signs the transaction) in the ledger's database, keyed by the hash of the compiled message: the
 * `MessageSettlementRecords` of `@tollgate/core`, shared by every facilitator process on the
 * database, so a payment settles once across restarts and instances.
 *
 * Each settlement is also a payment of the ledger (`tollgate_payments`, key
 * `network|messageHash`), changed in the same transaction as its record and with the same
 * history of states, so `recent`, the ledger API and the dashboard's reports show it beside the
 * other payments: received at the claim, verified and submitted with the signature, pending when the
 * wait timed out, included while its block is not final (submitted again if that block is
 * abandoned), then confirmed or failed with the answer's reason. The record, not the ledger row, drives its settlement, so EVM
 * recovery leaves these rows alone.
 */
import type {
  MessagePaymentDetails,
  MessageReleaseCause,
  MessageSettlementClaim,
  MessageSettlementRecord,
  MessageSettlementRecords,
  MessageSettlementState,
  MessageSubmission,
  PaymentState,
  SettleResponse,
} from '@tollgate/core'
import type { Sql } from '@tollgate/sql'
import { logChanged } from './sqlFragments.ts'

interface Row {
  message_hash: string
  network: string
  state: MessageSettlementState
  owner: string
  lease_until_ms: string | number
  payer: string | null
  transaction: string | null
  raw: string | null
  blockhash: string | null
  outcome: SettleResponse | string | null
}

interface Claim {
  network: string
  owner: string
  leaseMs: number
  payment: MessagePaymentDetails
}

const columns = `message_hash, network, state, owner,
  (extract(epoch from lease_until) * 1000)::bigint as lease_until_ms,
  payer, transaction, raw, blockhash, outcome`

/** Tries at most this often when a claim is released between its two statements. */
const claimAttemptsMax = 5

/**
 * @example
 * const records = new SqlMessageSettlements(ledger.sql) // or ledger.messageSettlements()
 */
export class SqlMessageSettlements implements MessageSettlementRecords {
  constructor(readonly sql: Sql) {}

  async claim(messageHash: string, claim: Claim): Promise<MessageSettlementClaim> {
    for (let attempt = 1; attempt <= claimAttemptsMax; attempt += 1) {
      const answer = await this.sql.transaction(async (tx) => {
        const claimed = await claimRecord(tx, messageHash, claim)
        if (claimed) {
          await recordPayment(tx, messageHash, claim)
          return { status: 'claimed' as const, record: claimed }
        }
        const existing = await readRecord(tx, messageHash)
        return existing ? { status: 'existing' as const, record: existing } : undefined
      })
      // Undefined: released between the two statements, so ask again.
      if (answer) return answer
    }
    throw new Error(`the settlement of ${messageHash} was claimed and released too often`)
  }

  get(messageHash: string): Promise<MessageSettlementRecord | undefined> {
    return readRecord(this.sql, messageHash)
  }

  async submit(messageHash: string, submission: MessageSubmission): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await change(
        tx,
        messageHash,
        `state = 'submitted', transaction = $2, raw = $3, blockhash = $4, payer = $5`,
        [submission.transaction, submission.raw, submission.blockhash, submission.payer],
      )
      // Simulation passed before signing: the payment's history says so, as an EVM one's does.
      await movePayment(tx, messageHash, 'verified', {}, ['received'])
      await movePayment(tx, messageHash, 'submitted', { transaction: submission.transaction })
    })
  }

  async finish(messageHash: string, outcome: SettleResponse): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await change(tx, messageHash, `state = 'finished', outcome = $2::jsonb`, [
        JSON.stringify(outcome),
      ])
      await movePayment(
        tx,
        messageHash,
        outcome.success ? 'confirmed' : 'failed',
        outcome.success
          ? { transaction: outcome.transaction }
          : {
              reason: outcome.errorReason,
              message: outcome.errorMessage,
              transaction: outcome.transaction || undefined,
            },
      )
    })
  }

  async include(messageHash: string, outcome: SettleResponse): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await change(tx, messageHash, `state = 'included', outcome = $2::jsonb`, [
        JSON.stringify(outcome),
      ])
      await movePayment(tx, messageHash, 'included', { transaction: outcome.transaction })
    })
  }

  async revert(messageHash: string): Promise<void> {
    await this.sql.transaction(async (tx) => {
      const reverted = await tx.query(
        `update tollgate_message_settlements set state = 'submitted', outcome = null, updated_at = now()
         where message_hash = $1 and state = 'included' returning message_hash`,
        [messageHash],
      )
      if (reverted.length === 0) return
      await movePayment(tx, messageHash, 'submitted', {}, ['included'])
    })
  }

  async pending(messageHash: string, message: string): Promise<void> {
    await movePayment(this.sql, messageHash, 'pending', { message }, ['submitted'])
  }

  async release(messageHash: string, owner: string, cause: MessageReleaseCause): Promise<void> {
    await this.sql.transaction(async (tx) => {
      // Only the owner's unsubmitted claim: the payment failed with nothing sent.
      const [mine] = await tx.query(
        `select 1 from tollgate_message_settlements
         where message_hash = $1 and state = 'claimed' and owner = $2 for update`,
        [messageHash, owner],
      )
      if (!mine) return
      // A retryable cause (the fee payer could not pay) leaves the payment open for a retry.
      const { retryable, ...why } = cause
      await movePayment(tx, messageHash, retryable ? 'received' : 'failed', why)
      await tx.query(
        `delete from tollgate_message_settlements
         where message_hash = $1 and state = 'claimed' and owner = $2`,
        [messageHash, owner],
      )
    })
  }
}

/**
 * Inserts the record, or takes over one whose owner neither submitted nor renewed within its
 * lease (its process died before sending anything); undefined when someone else holds it.
 */
async function claimRecord(
  sql: Sql,
  messageHash: string,
  claim: Claim,
): Promise<MessageSettlementRecord | undefined> {
  const [claimed] = await sql.query<Row>(
    `insert into tollgate_message_settlements as s (message_hash, network, state, owner, lease_until)
     values ($1, $2, 'claimed', $3, now() + make_interval(secs => $4::double precision / 1000))
     on conflict (message_hash) do update
       set owner = excluded.owner, lease_until = excluded.lease_until, updated_at = now()
       where s.state = 'claimed' and s.lease_until < now()
     returning ${columns}`,
    [messageHash, claim.network, claim.owner, claim.leaseMs],
  )
  return claimed ? toRecord(claimed) : undefined
}

async function readRecord(
  sql: Sql,
  messageHash: string,
): Promise<MessageSettlementRecord | undefined> {
  const [row] = await sql.query<Row>(
    `select ${columns} from tollgate_message_settlements where message_hash = $1`,
    [messageHash],
  )
  return row ? toRecord(row) : undefined
}

/**
 * The claimed payment in the ledger: a new row, or the row of an earlier attempt that sent
 * nothing (failed, or abandoned), claimed again as an EVM one is. The record links to it.
 */
async function recordPayment(sql: Sql, messageHash: string, claim: Claim): Promise<void> {
  const { payment } = claim
  await sql.query(
    `with changed as (
       insert into tollgate_payments as p (key, payload_hash, network, scheme, payer, pay_to,
         asset, amount, state, payment)
       values ($1, $2, $3, $4, $5, $6, $7, $8::numeric, 'received', $9::jsonb)
       on conflict (key) do update set state = 'received', attempts = p.attempts + 1,
         reason = null, message = null, updated_at = now()
       where p.tx_hash is null and p.state in ('received', 'verified', 'failed')
       returning id, state, reason, tx_hash), ${logChanged}
     update tollgate_message_settlements set payment_id = coalesce(
       (select id from changed), (select id from tollgate_payments where key = $1))
     where message_hash = $2`,
    [
      `${claim.network}|${messageHash}`,
      // The message is what the buyer signed: a copy with the same message is the same payment.
      messageHash,
      claim.network,
      payment.scheme,
      payment.payer,
      payment.payTo,
      payment.asset,
      payment.amount,
      JSON.stringify(payment.payment),
    ],
  )
}

/** Moves the record's ledger payment to `to`, from `from` (default: any state not final). */
async function movePayment(
  sql: Sql,
  messageHash: string,
  to: PaymentState,
  change: {
    reason?: string | undefined
    message?: string | undefined
    transaction?: string | undefined
  },
  from?: PaymentState[],
): Promise<void> {
  await sql.query(
    `with changed as (
       update tollgate_payments p set state = $2, reason = $3, message = $4,
         tx_hash = coalesce($5, p.tx_hash), updated_at = now()
       from tollgate_message_settlements s
       where s.message_hash = $1 and p.id = s.payment_id
         and p.state not in ('confirmed', 'failed')
         and ($6::text[] is null or p.state = any($6::text[]))
       returning p.id, p.state, p.reason, p.tx_hash), ${logChanged}
     select count(*)::int as n from changed`,
    [
      messageHash,
      to,
      change.reason ?? null,
      change.message ?? null,
      change.transaction ?? null,
      from ?? null,
    ],
  )
}

async function change(sql: Sql, messageHash: string, set: string, params: unknown[]) {
  const changed = await sql.query(
    `update tollgate_message_settlements set ${set}, updated_at = now()
     where message_hash = $1 returning message_hash`,
    [messageHash, ...params],
  )
  if (changed.length === 0)
    throw new Error(`a settlement record is changed only after its claim (${messageHash})`)
}

function toRecord(row: Row): MessageSettlementRecord {
  const outcome = typeof row.outcome === 'string' ? JSON.parse(row.outcome) : row.outcome
  return {
    messageHash: row.message_hash,
    network: row.network,
    state: row.state,
    owner: row.owner,
    leaseUntilMs: Number(row.lease_until_ms),
    ...(row.payer ? { payer: row.payer } : {}),
    ...(row.transaction ? { transaction: row.transaction } : {}),
    ...(row.raw ? { raw: row.raw } : {}),
    ...(row.blockhash ? { blockhash: row.blockhash } : {}),
    ...(outcome ? { outcome } : {}),
  }
}

/**
 * @module
 * The credit book of `@tollgate/core` in the ledger's database (`tollgate_credit_entries`), for
 * resource servers that serve trusted agents before their payment settles. Every server
 * instance on one PostgreSQL shares it, so the caps hold across instances, and a debt outlives
 * restarts.
 *
 * A reservation runs in one transaction that first takes an advisory lock on its unit, so the
 * reservations of a unit, from every process, happen one after the other: each sees the debts
 * and sums the previous one committed, then checks and inserts. Settling, defaulting,
 * cancelling and forgiving need no such lock: they only ever lower what is outstanding, so a
 * reservation running beside them can at worst refuse what it could have admitted.
 */
import {
  type CreditAgentSummary,
  type CreditBook,
  type CreditChange,
  type CreditEntry,
  type CreditLimits,
  type CreditListOptions,
  type CreditReservation,
  type CreditStanding,
  type CreditState,
  checkCreditReservation,
  checkCreditTime,
  checkCreditTransaction,
  creditAdmission,
  creditListLimit,
  creditReason,
  creditRefusal,
  type NewCreditEntry,
  repeatedReservation,
  TollgateError,
} from '@tollgate/core'
import type { Sql } from '@tollgate/sql'

/** Rows as both drivers return them: sums and amounts as text, so no bigint is rounded. */
interface CreditRow {
  id: string
  agent: string
  unit: string
  amount: string
  payment: string
  deadline: Date
  state: CreditState
  tx_hash: string | null
  reason: string | null
  created_at: Date
  updated_at: Date
}

interface SummaryRow {
  agent: string
  unit: string
  outstanding: string
  outstanding_count: number
  settled: string
  settled_count: number
  defaulted: string
  defaulted_count: number
  forgiven: string
  forgiven_count: number
}

const columns = `id, agent, unit, amount::text as amount, payment, deadline, state, tx_hash,
  reason, created_at, updated_at`

/**
 * First key of the unit locks (`pg_advisory_xact_lock(int, int)`, whose keys never meet the
 * one-key locks of the migrations); the second is a hash of the unit.
 */
const unitLockSpace = 402405

function toEntry(row: CreditRow): CreditEntry {
  return {
    id: row.id,
    agent: row.agent,
    unit: row.unit,
    amount: BigInt(row.amount),
    payment: row.payment,
    deadline: new Date(row.deadline),
    state: row.state,
    ...(row.tx_hash === null ? {} : { transaction: row.tx_hash }),
    ...(row.reason === null ? {} : { reason: row.reason }),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  }
}

function toSummary(row: SummaryRow): CreditAgentSummary {
  return {
    agent: row.agent,
    unit: row.unit,
    outstanding: BigInt(row.outstanding),
    outstandingCount: Number(row.outstanding_count),
    settled: BigInt(row.settled),
    settledCount: Number(row.settled_count),
    defaulted: BigInt(row.defaulted),
    defaultedCount: Number(row.defaulted_count),
    forgiven: BigInt(row.forgiven),
    forgivenCount: Number(row.forgiven_count),
  }
}

/** The agent's debt and sums in the unit, read after the unit's lock is held. */
async function standingOf(sql: Sql, agent: string, unit: string): Promise<CreditStanding> {
  const [row] = await sql.query<{ in_debt: boolean; outstanding: string; total: string }>(
    `select
       exists (select 1 from tollgate_credit_entries where agent = $1 and state = 'defaulted')
         as in_debt,
       coalesce(sum(amount) filter (where agent = $1), 0)::text as outstanding,
       coalesce(sum(amount), 0)::text as total
     from tollgate_credit_entries where unit = $2 and state = 'outstanding'`,
    [agent, unit],
  )
  return {
    inDebt: row?.in_debt === true,
    outstanding: BigInt(row?.outstanding ?? 0),
    totalOutstanding: BigInt(row?.total ?? 0),
  }
}

/**
 * @example
 * const ledger = await openLedger({ databaseUrl: process.env.DATABASE_URL })
 * const book = new SqlCreditBook(ledger.sql) // share it: every instance on the database
 * const credit = reputationCredit({ trust, book, reviewers, minScore: 80, perAgentMax, totalMax })
 */
export class SqlCreditBook implements CreditBook {
  constructor(readonly sql: Sql) {}

  async reserve(entry: NewCreditEntry, limits: CreditLimits): Promise<CreditReservation> {
    checkCreditReservation(entry, limits)
    return this.#reach(() =>
      this.sql.transaction(async (tx) => {
        // A separate statement: what follows reads a snapshot taken once the lock is held.
        await tx.query('select pg_advisory_xact_lock($1, hashtext($2))', [
          unitLockSpace,
          entry.unit,
        ])
        const standing = await standingOf(tx, entry.agent, entry.unit)
        const [existing] = await tx.query<CreditRow>(
          `select ${columns} from tollgate_credit_entries where id = $1`,
          [entry.id],
        )
        if (existing) return repeatedReservation(toEntry(existing), entry, standing)
        const refused = creditAdmission(standing, entry.amount, limits)
        if (refused) return creditRefusal(refused, standing)
        const [inserted] = await tx.query<CreditRow>(
          `insert into tollgate_credit_entries (id, agent, unit, amount, payment, deadline, state)
           values ($1, $2, $3, $4::numeric, $5, $6::timestamptz, 'outstanding')
           on conflict (id) do nothing returning ${columns}`,
          [
            entry.id,
            entry.agent,
            entry.unit,
            entry.amount.toString(),
            entry.payment,
            entry.deadline.toISOString(),
          ],
        )
        // Only a reservation of the same id under another unit's lock can have come first.
        if (!inserted)
          throw new TypeError(`credit entry ${entry.id} is held for another agent, unit or amount`)
        return { admitted: true, entry: toEntry(inserted) }
      }),
    )
  }

  async cancel(id: string): Promise<boolean> {
    const dropped = await this.#reach(() =>
      this.sql.query(
        `delete from tollgate_credit_entries where id = $1 and state = 'outstanding' returning id`,
        [id],
      ),
    )
    return dropped.length > 0
  }

  async settled(id: string, transaction: string): Promise<CreditChange | undefined> {
    checkCreditTransaction(transaction)
    // Any state but settled: the money arrived, so a debt recorded meanwhile clears.
    return this.#transition(id, (state) => state !== 'settled', `state = 'settled', tx_hash = $2`, [
      transaction,
    ])
  }

  async defaulted(id: string, reason: string): Promise<CreditChange | undefined> {
    return this.#transition(
      id,
      (state) => state === 'outstanding',
      `state = 'defaulted', reason = $2`,
      [creditReason(reason)],
    )
  }

  async forgive(agent: string): Promise<number> {
    const forgiven = await this.#reach(() =>
      this.sql.query(
        `update tollgate_credit_entries set state = 'forgiven', updated_at = now()
         where agent = $1 and state = 'defaulted' returning id`,
        [agent],
      ),
    )
    return forgiven.length
  }

  async outstanding(options?: CreditListOptions): Promise<CreditEntry[]> {
    const limit = creditListLimit(options)
    const rows = await this.#reach(() =>
      this.sql.query<CreditRow>(
        `select ${columns} from tollgate_credit_entries where state = 'outstanding'
         order by created_at, id limit $1`,
        [limit],
      ),
    )
    return rows.map(toEntry)
  }

  async overdue(now: Date, options?: CreditListOptions): Promise<CreditEntry[]> {
    checkCreditTime('now', now)
    const limit = creditListLimit(options)
    const rows = await this.#reach(() =>
      this.sql.query<CreditRow>(
        `select ${columns} from tollgate_credit_entries
         where state = 'outstanding' and deadline <= $1::timestamptz
         order by deadline, id limit $2`,
        [now.toISOString(), limit],
      ),
    )
    return rows.map(toEntry)
  }

  async agents(options?: CreditListOptions): Promise<CreditAgentSummary[]> {
    const limit = creditListLimit(options)
    const sum = (state: CreditState) =>
      `coalesce(sum(amount) filter (where state = '${state}'), 0)::text as ${state},
       (count(*) filter (where state = '${state}'))::int as ${state}_count`
    const rows = await this.#reach(() =>
      this.sql.query<SummaryRow>(
        `select agent, unit, ${sum('outstanding')}, ${sum('settled')}, ${sum('defaulted')},
           ${sum('forgiven')}
         from tollgate_credit_entries group by agent, unit
         order by agent collate "C", unit collate "C" limit $1`,
        [limit],
      ),
    )
    return rows.map(toSummary)
  }

  async entry(id: string): Promise<CreditEntry | undefined> {
    const [row] = await this.#reach(() =>
      this.sql.query<CreditRow>(`select ${columns} from tollgate_credit_entries where id = $1`, [
        id,
      ]),
    )
    return row ? toEntry(row) : undefined
  }

  /** Moves the entry when `from` allows its state, under its row lock; else returns it as is. */
  #transition(
    id: string,
    from: (state: CreditState) => boolean,
    assignments: string,
    values: unknown[],
  ): Promise<CreditChange | undefined> {
    return this.#reach(() =>
      this.sql.transaction(async (tx) => {
        const [row] = await tx.query<CreditRow>(
          `select ${columns} from tollgate_credit_entries where id = $1 for update`,
          [id],
        )
        if (!row) return undefined
        if (!from(row.state)) return { entry: toEntry(row), previous: row.state }
        const [changed] = await tx.query<CreditRow>(
          `update tollgate_credit_entries set ${assignments}, updated_at = now()
           where id = $1 returning ${columns}`,
          [id, ...values],
        )
        return { entry: toEntry(changed ?? row), previous: row.state }
      }),
    )
  }

  /** A database that cannot answer is the book being unavailable: callers extend no credit. */
  async #reach<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work()
    } catch (error) {
      // Bad arguments are the caller's to see as they are.
      if (error instanceof TypeError || error instanceof RangeError) throw error
      throw new TollgateError('CREDIT_BOOK_UNAVAILABLE', 'the credit book could not be reached', {
        cause: error,
      })
    }
  }
}

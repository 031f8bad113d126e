import type {
  ClaimResult,
  LedgerPayment,
  LedgerTransaction,
  MessageSettlementRecords,
  NewPayment,
  PaymentChange,
  PaymentState,
  SettlementLedger,
  SignedTransaction,
} from '@tollgate/core'
import type { Sql } from '@tollgate/sql'
import { claimPayments } from './claims.ts'
import { maintainEmbedded } from './maintenance.ts'
import { type PaymentRow, type TransactionRow, toPayment, toTransaction } from './rows.ts'
import { bindChain, findTransaction, minedSince, reorganised } from './sqlFinality.ts'
import { lease, logChanged, open, transactionColumns } from './sqlFragments.ts'
import { SqlMessageSettlements } from './sqlMessageSettlements.ts'
import {
  insertTransaction,
  markTransaction,
  type ReceiptMark,
  type ReceiptPayments,
  recordReceipt,
  type SubmitInput,
  type TransactionMark,
  transactionOf,
} from './sqlTransactions.ts'

/** The settlement ledger in SQL (PGlite or PostgreSQL). */
export class SqlLedger implements SettlementLedger {
  readonly exclusive: boolean
  readonly #knownSigners = new Set<string>()
  /** Per signer, the next nonce to hand out (an exclusive ledger only: no one else takes one). */
  readonly #nextNonces = new Map<string, number>()
  readonly #signerTurns = new Map<string, Promise<void>>()
  #messageSettlements: MessageSettlementRecords | undefined

  constructor(readonly sql: Sql) {
    // PGlite is opened by one process at a time; PostgreSQL may be shared.
    this.exclusive = sql.engine === 'pglite'
  }

  async claim(payment: NewPayment, owner: string, leaseMs: number): Promise<ClaimResult> {
    const [result] = await this.claimMany([payment], owner, leaseMs)
    return result!
  }

  claimMany(payments: NewPayment[], owner: string, leaseMs: number): Promise<ClaimResult[]> {
    return claimPayments(this.sql, payments, owner, leaseMs)
  }

  async transition(
    ids: number[],
    to: PaymentState,
    change: PaymentChange = {},
    from?: PaymentState[],
  ): Promise<number> {
    if (ids.length === 0) return 0
    const rows = await this.sql.query<{ n: number }>(
      `with changed as (
         update tollgate_payments set state = $2, reason = $3, message = $4,
           tx_hash = coalesce($5, tx_hash), updated_at = now()
         where id = any($1::bigint[]) and ($6::text[] is null or state = any($6::text[]))
         returning id, state, reason, tx_hash), ${logChanged}
       select count(*)::int as n from changed`,
      [
        ids,
        to,
        change.reason ?? null,
        change.message ?? null,
        change.transaction ?? null,
        from ?? null,
      ],
    )
    return Number(rows[0]?.n ?? 0)
  }

  async findByKey(key: string): Promise<LedgerPayment | undefined> {
    const rows = await this.sql.query<PaymentRow>(
      'select * from tollgate_payments where key = $1',
      [key],
    )
    return rows[0] ? toPayment(rows[0]) : undefined
  }

  async findByIdentifier(identifier: string): Promise<LedgerPayment | undefined> {
    const rows = await this.sql.query<PaymentRow>(
      'select * from tollgate_payments where payment_identifier = $1',
      [identifier],
    )
    return rows[0] ? toPayment(rows[0]) : undefined
  }

  async recent(options: {
    limit: number
    states?: PaymentState[]
    network?: string
  }): Promise<LedgerPayment[]> {
    const rows = await this.sql.query<PaymentRow>(
      `select * from tollgate_payments
       where ($2::text[] is null or state = any($2::text[])) and ($3::text is null or network = $3)
       order by id desc limit $1`,
      [options.limit, options.states ?? null, options.network ?? null],
    )
    return rows.map(toPayment)
  }

  submit(input: SubmitInput): Promise<LedgerTransaction> {
    const signerKey = `${input.network}|${input.signer}`
    if (!this.exclusive) return this.#submitShared(input, signerKey)
    // One submit per signer at a time: the next nonce is kept here between them.
    const turn = (this.#signerTurns.get(signerKey) ?? Promise.resolve()).then(() =>
      this.#submitAlone(input, signerKey),
    )
    this.#signerTurns.set(
      signerKey,
      turn.then(
        () => undefined,
        () => undefined,
      ),
    )
    return turn
  }

  /**
   * `submit` in a ledger no other process opens: once the signer's next nonce is known here, it is
   * stored with the transaction in one statement, one round trip instead of a transaction of
   * three. A failed statement stores nothing and leaves the nonce to the next submit.
   */
  async #submitAlone(input: SubmitInput, signerKey: string): Promise<LedgerTransaction> {
    const next = this.#nextNonces.get(signerKey)
    if (next === undefined) {
      const transaction = await this.#submitShared(input, signerKey)
      this.#nextNonces.set(signerKey, transaction.nonce + 1)
      return transaction
    }
    const nonce = Math.max(next, input.chainNonce)
    const signed = await input.sign(nonce)
    await insertTransaction(this.sql, { ...input, nonce }, signed, nonce + 1)
    this.#nextNonces.set(signerKey, nonce + 1)
    return transactionOf(input, nonce, signed)
  }

  async #submitShared(input: SubmitInput, signerKey: string): Promise<LedgerTransaction> {
    if (!this.#knownSigners.has(signerKey)) {
      // A signer's row is created once and never removed: after the first time, skip the insert.
      await this.sql.query(
        `insert into tollgate_signer_nonces (network, signer, next_nonce) values ($1, $2, $3)
         on conflict do nothing`,
        [input.network, input.signer, input.chainNonce],
      )
      this.#knownSigners.add(signerKey)
    }
    return this.sql.transaction(async (tx) => {
      // The row lock taken here is held until commit: another process signing for the same
      // signer waits, so no nonce is ever handed out twice.
      const [reserved] = await tx.query<{ nonce: number | string }>(
        `update tollgate_signer_nonces set next_nonce = greatest(next_nonce, $3) + 1
         where network = $1 and signer = $2 returning next_nonce - 1 as nonce`,
        [input.network, input.signer, input.chainNonce],
      )
      const nonce = Number(reserved!.nonce)
      const signed = await input.sign(nonce)
      await insertTransaction(tx, { ...input, nonce }, signed)
      return transactionOf(input, nonce, signed)
    })
  }

  async replace(
    previous: LedgerTransaction,
    signed: SignedTransaction,
  ): Promise<LedgerTransaction> {
    await this.sql.transaction((tx) => insertTransaction(tx, previous, signed))
    return {
      ...previous,
      hash: signed.hash,
      raw: signed.raw,
      maxFeePerGas: signed.maxFeePerGas,
      state: 'signed',
      createdAt: new Date(),
    }
  }

  async fillNonce(
    refused: LedgerTransaction,
    signed: SignedTransaction,
  ): Promise<LedgerTransaction> {
    await this.sql.query(
      `insert into tollgate_transactions (hash, network, signer, nonce, raw, kind, state, max_fee_per_gas)
       values ($1, $2, $3, $4, $5, 'filler', 'signed', $6)`,
      [
        signed.hash,
        refused.network,
        refused.signer,
        refused.nonce,
        signed.raw,
        signed.maxFeePerGas ?? null,
      ],
    )
    return {
      ...refused,
      hash: signed.hash,
      raw: signed.raw,
      kind: 'filler',
      state: 'signed',
      paymentIds: [],
      maxFeePerGas: signed.maxFeePerGas,
      createdAt: new Date(),
    }
  }

  markTransaction(hash: string, change: TransactionMark): Promise<void> {
    return markTransaction(this.sql, hash, change)
  }

  recordReceipt(hash: string, change: ReceiptMark, payments?: ReceiptPayments): Promise<void> {
    return recordReceipt(this.sql, hash, change, payments)
  }

  async openTransactions(network: string, owner?: string): Promise<LedgerTransaction[]> {
    const rows = await this.sql.query<TransactionRow>(
      `select ${transactionColumns} from tollgate_transactions t
       where network = $1 and state in ('signed', 'broadcast')
         and ($2::text is null or t.kind = 'filler' or exists (
           select 1 from tollgate_transaction_payments tp join tollgate_payments p on p.id = tp.payment_id
           where tp.tx_hash = t.hash and p.owner = $2)
           -- Its payments all confirmed, the receipt not recorded (its process stopped between
           -- the two): any process may record it, which changes no payment again.
           or not exists (
           select 1 from tollgate_transaction_payments tp join tollgate_payments p on p.id = tp.payment_id
           where tp.tx_hash = t.hash and p.state not in ('included', 'confirmed')))
       order by nonce, created_at`,
      [network, owner ?? null],
    )
    return rows.map(toTransaction)
  }

  async transactionsOfKind(
    network: string,
    kinds: readonly string[],
    limit: number,
  ): Promise<LedgerTransaction[]> {
    const rows = await this.sql.query<TransactionRow>(
      `select ${transactionColumns} from tollgate_transactions t
       where network = $1 and kind = any($2::text[])
       order by created_at desc limit $3`,
      [network, [...kinds], limit],
    )
    return rows.map(toTransaction)
  }

  minedSince(network: string, fromBlock: bigint): Promise<LedgerTransaction[]> {
    return minedSince(this.sql, network, fromBlock)
  }

  reorganised(hash: string): Promise<LedgerPayment[]> {
    return reorganised(this.sql, hash)
  }

  findTransaction(hash: string): Promise<LedgerTransaction | undefined> {
    return findTransaction(this.sql, hash)
  }

  async transactionsForNonce(
    network: string,
    signer: string,
    nonce: number,
  ): Promise<LedgerTransaction[]> {
    const rows = await this.sql.query<TransactionRow>(
      `select ${transactionColumns} from tollgate_transactions t
       where network = $1 and signer = $2 and nonce = $3 order by created_at`,
      [network, signer, nonce],
    )
    return rows.map(toTransaction)
  }

  async paymentsOf(hash: string): Promise<LedgerPayment[]> {
    const rows = await this.sql.query<PaymentRow>(
      `select p.* from tollgate_payments p join tollgate_transaction_payments tp on tp.payment_id = p.id
       where tp.tx_hash = $1 order by p.id`,
      [hash],
    )
    return rows.map(toPayment)
  }

  async takeOverExpired(
    owner: string,
    leaseMs: number,
    limit: number,
    everyone = false,
    network?: string,
  ): Promise<LedgerPayment[]> {
    // A payment with a message settlement is settled through its record in tollgate_message_settlements, never here.
    const rows = await this.sql.query<PaymentRow>(
      `with expired as (
         select id from tollgate_payments p where ${open} and ($4 or lease_until < now())
           and ($5::text is null or p.network = $5)
           and not exists (select 1 from tollgate_message_settlements s where s.payment_id = p.id)
         order by id limit $3 for update skip locked)
       update tollgate_payments p set owner = $1, lease_until = ${lease(2)}, updated_at = now()
       from expired where p.id = expired.id returning p.*`,
      [owner, leaseMs, limit, everyone, network ?? null],
    )
    return rows.map(toPayment)
  }

  async renewLeases(owner: string, leaseMs: number): Promise<void> {
    // A payment still being received is not renewed: if its verification died without an
    // answer, the lease runs out and recovery takes it over.
    await this.sql.query(
      `update tollgate_payments set lease_until = ${lease(2)}
       where owner = $1 and ${open} and state <> 'received'`,
      [owner, leaseMs],
    )
  }

  async recordVerifications(
    rows: Array<{
      network: string
      scheme: string
      payer?: string | undefined
      payTo: string
      amount: string
      reason?: string | undefined
    }>,
  ): Promise<void> {
    if (rows.length === 0) return
    await this.sql.query(
      `insert into tollgate_verifications (network, scheme, payer, pay_to, amount, reason)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::numeric[], $6::text[])`,
      [
        rows.map((row) => row.network),
        rows.map((row) => row.scheme),
        rows.map((row) => row.payer ?? null),
        rows.map((row) => row.payTo),
        rows.map((row) => row.amount),
        rows.map((row) => row.reason ?? null),
      ],
    )
  }

  bindChain(
    network: string,
    chainId: number,
    genesisHash: string,
  ): Promise<'bound' | 'same' | 'different'> {
    return bindChain(this.sql, network, chainId, genesisHash)
  }

  async maintain(): Promise<void> {
    // PostgreSQL's autovacuum does this on a server; embedded PGlite has none.
    if (this.sql.engine !== 'pglite') return
    await maintainEmbedded(this.sql)
  }

  messageSettlements(): MessageSettlementRecords {
    this.#messageSettlements ??= new SqlMessageSettlements(this.sql)
    return this.#messageSettlements
  }

  close(): Promise<void> {
    return this.sql.close()
  }
}

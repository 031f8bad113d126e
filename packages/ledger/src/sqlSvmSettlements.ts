/**
 * @module
 * Solana settlements in the ledger's database, keyed by the hash of the compiled message: the
 * `SvmSettlementRecords` of `@tollgate/core`, shared by every facilitator process on the
 * database, so a payment settles once across restarts and instances.
 */
import type {
  SettleResponse,
  SvmSettlementClaim,
  SvmSettlementRecord,
  SvmSettlementRecords,
  SvmSettlementState,
  SvmSubmission,
} from '@tollgate/core'
import type { Sql } from '@tollgate/sql'

interface Row {
  message_hash: string
  network: string
  state: SvmSettlementState
  owner: string
  lease_until_ms: string | number
  payer: string | null
  transaction: string | null
  raw: string | null
  blockhash: string | null
  outcome: SettleResponse | string | null
}

const columns = `message_hash, network, state, owner,
  (extract(epoch from lease_until) * 1000)::bigint as lease_until_ms,
  payer, transaction, raw, blockhash, outcome`

/**
 * @example
 * const facilitator = exactSvmFacilitator({ ..., records: new SqlSvmSettlements(ledger.sql) })
 */
export class SqlSvmSettlements implements SvmSettlementRecords {
  constructor(readonly sql: Sql) {}

  async claim(
    messageHash: string,
    claim: { network: string; owner: string; leaseMs: number },
  ): Promise<SvmSettlementClaim> {
    // A claim whose owner neither submitted nor renewed within its lease was abandoned (its
    // process died before sending anything): it may be taken over.
    const [claimed] = await this.sql.query<Row>(
      `insert into tollgate_svm_settlements as s (message_hash, network, state, owner, lease_until)
       values ($1, $2, 'claimed', $3, now() + make_interval(secs => $4::double precision / 1000))
       on conflict (message_hash) do update
         set owner = excluded.owner, lease_until = excluded.lease_until, updated_at = now()
         where s.state = 'claimed' and s.lease_until < now()
       returning ${columns}`,
      [messageHash, claim.network, claim.owner, claim.leaseMs],
    )
    if (claimed) return { status: 'claimed', record: toRecord(claimed) }
    const existing = await this.get(messageHash)
    if (existing) return { status: 'existing', record: existing }
    // Released between the two statements: ask again.
    return this.claim(messageHash, claim)
  }

  async get(messageHash: string): Promise<SvmSettlementRecord | undefined> {
    const [row] = await this.sql.query<Row>(
      `select ${columns} from tollgate_svm_settlements where message_hash = $1`,
      [messageHash],
    )
    return row ? toRecord(row) : undefined
  }

  async submit(messageHash: string, submission: SvmSubmission): Promise<void> {
    await this.#change(
      messageHash,
      `state = 'submitted', transaction = $2, raw = $3, blockhash = $4, payer = $5`,
      [submission.transaction, submission.raw, submission.blockhash, submission.payer],
    )
  }

  async finish(messageHash: string, outcome: SettleResponse): Promise<void> {
    await this.#change(messageHash, `state = 'finished', outcome = $2::jsonb`, [
      JSON.stringify(outcome),
    ])
  }

  async release(messageHash: string, owner: string): Promise<void> {
    await this.sql.query(
      `delete from tollgate_svm_settlements
       where message_hash = $1 and state = 'claimed' and owner = $2`,
      [messageHash, owner],
    )
  }

  async #change(messageHash: string, set: string, params: unknown[]): Promise<void> {
    const changed = await this.sql.query(
      `update tollgate_svm_settlements set ${set}, updated_at = now()
       where message_hash = $1 returning message_hash`,
      [messageHash, ...params],
    )
    if (changed.length === 0)
      throw new Error(`a settlement record is changed only after its claim (${messageHash})`)
  }
}

function toRecord(row: Row): SvmSettlementRecord {
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

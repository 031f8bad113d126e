import type { LedgerPayment, LedgerTransaction } from '@tollgate/core'
import type { Sql } from '@tollgate/sql'
import { type PaymentRow, type TransactionRow, toPayment, toTransaction } from './rows.ts'
import { logChanged, transactionColumns } from './sqlFragments.ts'

/** Mined (or reverted) transactions in blocks at or above `fromBlock`, lowest block first. */
export async function minedSince(
  sql: Sql,
  network: string,
  fromBlock: bigint,
): Promise<LedgerTransaction[]> {
  const rows = await sql.query<TransactionRow>(
    `select ${transactionColumns} from tollgate_transactions t
     where network = $1 and state in ('mined', 'reverted') and block_number >= $2
     order by block_number, nonce`,
    [network, fromBlock.toString()],
  )
  return rows.map(toTransaction)
}

/**
 * A transaction whose block was reorganised away: broadcast again, its block forgotten, and its
 * included or confirmed payments submitted again, in one database transaction.
 */
export function reorganised(sql: Sql, hash: string): Promise<LedgerPayment[]> {
  return sql.transaction(async (tx) => {
    await tx.query(
      `update tollgate_transactions set state = 'broadcast', block_number = null, block_hash = null,
         gas_used = null, updated_at = now()
       where hash = $1 and state in ('mined', 'reverted')`,
      [hash],
    )
    // Only payments this transaction settled: one confirmed by another transaction keeps it.
    const rows = await tx.query<PaymentRow>(
      `with changed as (
         update tollgate_payments p set state = 'submitted', reason = null, message = null,
           updated_at = now()
         from tollgate_transaction_payments tp
         where tp.tx_hash = $1 and tp.payment_id = p.id and p.tx_hash = $1
           and p.state in ('included', 'confirmed')
         returning p.*), ${logChanged}
       select * from changed order by id`,
      [hash],
    )
    return rows.map(toPayment)
  })
}

export async function findTransaction(
  sql: Sql,
  hash: string,
): Promise<LedgerTransaction | undefined> {
  const rows = await sql.query<TransactionRow>(
    `select ${transactionColumns} from tollgate_transactions t where hash = $1`,
    [hash],
  )
  return rows[0] ? toTransaction(rows[0]) : undefined
}

/** Binds a network id to a chain id and genesis hash; `different`: written for another chain. */
export async function bindChain(
  sql: Sql,
  network: string,
  chainId: number,
  genesisHash: string,
): Promise<'bound' | 'same' | 'different'> {
  const inserted = await sql.query(
    `insert into tollgate_chains (network, chain_id, genesis_hash) values ($1, $2, $3)
     on conflict do nothing returning network`,
    [network, chainId, genesisHash.toLowerCase()],
  )
  if (inserted.length > 0) return 'bound'
  const [row] = await sql.query<{ chain_id: number | string; genesis_hash: string }>(
    'select chain_id, genesis_hash from tollgate_chains where network = $1',
    [network],
  )
  return Number(row?.chain_id) === chainId && row?.genesis_hash === genesisHash.toLowerCase()
    ? 'same'
    : 'different'
}

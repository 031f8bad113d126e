import type { TransactionPartialSigner } from '@solana/kit'
import type { MessageSettlementRecords, SettlementLedger } from '@tollgate/core'
import type { SvmAsset } from '../assets.ts'
import { lamportsPerSignature } from '../constants.ts'
import type { SvmFacilitatorRpc, SvmRpcSource } from '../rpc.ts'
import type { SvmCommitment } from './watch.ts'

export type ExactSvmFacilitatorOptions = {
  /**
   * Keys that pay the fees and co-sign as fee payer. `/supported` offers them in turn; the
   * requirement names one, and only that one signs its transactions.
   */
  feePayers: readonly TransactionPartialSigner[]
  /** CAIP-2 ids of the cluster the RPC serves (one cluster per facilitator instance). */
  networks: readonly string[]
  /** Mints accepted for payment; any other is refused before any RPC call. */
  assets: readonly SvmAsset[]
  /**
   * The highest compute unit price accepted, in microlamports per unit (reference default).
   * @default 5_000_000n
   */
  maxComputeUnitPrice?: bigint | number
  /**
   * The highest compute unit limit accepted. The priority fee is charged on the limit asked for,
   * not on what is used. The reference client asks 20,000; wallet-injected Lighthouse assertions
   * and Token-2022 mints need more, and 200,000 stays far below the 1,400,000 a transaction may
   * ask for.
   * @default 200_000
   */
  maxComputeUnitLimit?: number
  /**
   * Signatures a transaction may require, the fee payer's included; each costs 5000 lamports.
   * The fee payer and the buyer make 2.
   * @default 2
   */
  maxSignatures?: number
  settle?: ExactSvmSettleOptions
  /**
   * The commitment level at which a settlement is final, for every network or per network. Settle
   * answers success once the transaction is in a block (`extra.finality.state = 'included'`) and
   * `confirmed` once it reaches this level; until then a block can still be abandoned, and the
   * payment goes back and its transaction is sent again. Only `finalized` is final on Solana. The
   * embedded devnet reports every transaction `finalized` at once unless it is started with
   * `slotsToFinalize`.
   * @default 'finalized'
   */
  finality?: SvmCommitment | Readonly<Record<string, SvmCommitment>>
  /**
   * Where each verification is recorded (the settlement ledger), so reports count Solana
   * verifications beside EVM ones. Written off the request's path; a failed write is dropped.
   */
  verifications?: Pick<SettlementLedger, 'recordVerifications'>
  /** A fee payer below this balance makes `/readyz` report the network not ready. @default 10_000_000n */
  minimumFeePayerLamports?: bigint
  /** Milliseconds since the epoch; injected for tests. */
  now?: () => number
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>
} & SvmRpcSource<SvmFacilitatorRpc>

export interface ExactSvmSettleOptions {
  /** Where settlements are remembered. @default an `InMemoryMessageSettlementRecords` */
  records?: MessageSettlementRecords
  /**
   * How long settle waits for the transaction to land in a block before answering
   * `settlement_pending` with the signature (the ledger payment is then `pending`). A later
   * settle of the same payment resumes the wait.
   * @default 30000
   */
  confirmTimeoutMs?: number
  /** @default 400 (about one slot) */
  pollIntervalMs?: number
  /** @default 2000 */
  rebroadcastIntervalMs?: number
  /** How long a claim on a payment holds before another process may take it. @default 15000 */
  leaseMs?: number
  /** Identifies this process in the records. @default a random id */
  instanceId?: string
}

export const exactSvmDefaults = {
  maxComputeUnitPrice: 5_000_000n,
  maxComputeUnitLimit: 200_000,
  maxSignatures: 2,
  minimumFeePayerLamports: 10_000_000n,
  confirmTimeoutMs: 30_000,
  pollIntervalMs: 400,
  rebroadcastIntervalMs: 2_000,
  leaseMs: 15_000,
} as const

/**
 * The most a fee payer can be charged for one accepted transaction, in lamports: the priority
 * fee at the capped price on the capped limit (rounded up), plus the base fee per signature.
 * With the defaults: 5,000,000 × 200,000 / 1e6 + 2 × 5,000 = 1,010,000 lamports (0.00101 SOL).
 */
export function worstCaseFeeLamports(caps: {
  maxComputeUnitPrice: bigint
  maxComputeUnitLimit: number
  maxSignatures: number
}): bigint {
  const priority = caps.maxComputeUnitPrice * BigInt(caps.maxComputeUnitLimit)
  const priorityLamports = (priority + 999_999n) / 1_000_000n
  return priorityLamports + lamportsPerSignature * BigInt(caps.maxSignatures)
}

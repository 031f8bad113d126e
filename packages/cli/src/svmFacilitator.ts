import type { SchemeFacilitator, SvmSettlementRecords } from '@tollgate/core'
import {
  type ExactSvmFacilitatorOptions,
  exactSvmDefaults,
  exactSvmFacilitator,
  type SvmAsset,
  worstCaseFeeLamports,
} from '@tollgate/svm'

/** One Solana cluster a facilitator settles on. */
export interface SvmNetworkSetup {
  /** CAIP-2 id, e.g. `solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1` (devnet). */
  network: string
  rpcUrl: string
  /** Keys that pay the fees and co-sign as fee payer (signers, never raw keys). */
  feePayers: ExactSvmFacilitatorOptions['feePayers']
  /** The only mints accepted for payment. */
  assets: readonly SvmAsset[]
  /** Microlamports per compute unit. @default 5_000_000n */
  maxComputeUnitPrice?: bigint | undefined
  /** @default 200_000 */
  maxComputeUnitLimit?: number | undefined
}

/**
 * The exact scheme on each Solana cluster, with settlements kept in `records` (the ledger's
 * database in `tollgate dev` and `tollgate facilitator`), so a payment settles once across
 * restarts and processes; each verification is recorded in `verifications` when given.
 */
export function buildSvmSchemes(
  setups: readonly SvmNetworkSetup[],
  records: SvmSettlementRecords | undefined,
  verifications?: ExactSvmFacilitatorOptions['verifications'],
): SchemeFacilitator[] {
  return setups.map((setup) =>
    exactSvmFacilitator({
      rpcUrl: setup.rpcUrl,
      feePayers: setup.feePayers,
      networks: [setup.network],
      assets: setup.assets,
      ...(setup.maxComputeUnitPrice !== undefined
        ? { maxComputeUnitPrice: setup.maxComputeUnitPrice }
        : {}),
      ...(setup.maxComputeUnitLimit !== undefined
        ? { maxComputeUnitLimit: setup.maxComputeUnitLimit }
        : {}),
      ...(records ? { settle: { records } } : {}),
      ...(verifications ? { verifications } : {}),
    }),
  )
}

/** The most one accepted transaction can cost a fee payer of `setup`, in lamports, for the log. */
export function svmWorstCaseFee(setup: SvmNetworkSetup): string {
  return worstCaseFeeLamports({
    maxComputeUnitPrice: setup.maxComputeUnitPrice ?? exactSvmDefaults.maxComputeUnitPrice,
    maxComputeUnitLimit: setup.maxComputeUnitLimit ?? exactSvmDefaults.maxComputeUnitLimit,
    maxSignatures: exactSvmDefaults.maxSignatures,
  }).toString()
}

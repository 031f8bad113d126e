import type { SettlementFinality } from '@tollgate/core'
import type { LandedStatus, SvmCommitment } from './watch.ts'

const rank: Record<SvmCommitment, number> = { processed: 0, confirmed: 1, finalized: 2 }

/**
 * The confirmations each level stands for, as `extra.finality.required` reports them: a
 * finalized block has 31 or more confirmed blocks on top (docs.anza.xyz, "Commitment Status").
 */
export const confirmationsOfLevel: Record<SvmCommitment, number> = {
  processed: 0,
  confirmed: 1,
  finalized: 32,
}

/** True when a transaction seen at `level` is as final as `required` asks. */
export function reaches(level: SvmCommitment, required: SvmCommitment): boolean {
  return rank[level] >= rank[required]
}

/** The finality a settle answer carries for a transaction in a block at `status`. */
export function finalityAt(status: LandedStatus, required: SvmCommitment): SettlementFinality {
  const needed = confirmationsOfLevel[required]
  if (reaches(status.level, required)) {
    return {
      state: 'confirmed',
      confirmations: Math.max(needed, status.confirmations ?? needed),
      required: needed,
    }
  }
  // Below the level asked for: never reported as deep as the level, whatever the count says.
  const seen = status.confirmations ?? confirmationsOfLevel[status.level]
  return {
    state: 'included',
    confirmations: Math.min(seen, Math.max(needed - 1, 0)),
    required: needed,
  }
}

/** The commitment level settle waits for on each network: the option, else `finalized`. */
export function finalityOption(
  option: SvmCommitment | Readonly<Record<string, SvmCommitment>> | undefined,
): (network: string) => SvmCommitment {
  if (option === undefined || typeof option === 'string') {
    const level = option ?? 'finalized'
    return () => level
  }
  return (network) => option[network] ?? 'finalized'
}

import {
  formatAtomicUnits,
  networkMatches,
  type PaymentRequirements,
  type SchemeClient,
  toAtomicUnits,
} from '@tollgate/core'

/** What a buyer is willing to pay, checked before anything is signed. */
export interface PaymentPolicy {
  /**
   * Largest single payment, in dollars, for dollar stablecoins.
   * @default '$0.10'
   */
  maxPaymentUsd?: string | number
  /** Networks (CAIP-2 ids or `namespace:*`) the buyer pays on. @default every network a scheme signs for */
  networks?: readonly string[]
}

export interface Candidate {
  requirements: PaymentRequirements
  scheme: SchemeClient
}

export type Selection = { ok: true; chosen: Candidate } | { ok: false; reasons: string[] }

/**
 * Picks the first offered requirement this buyer can and may pay: a scheme that signs for its
 * network, an allowed network, a known dollar asset, an amount within the cap. Each refusal
 * is explained, so the caller can tell the user what to change.
 */
export function selectRequirements(
  accepts: readonly PaymentRequirements[],
  schemes: readonly SchemeClient[],
  policy: PaymentPolicy,
): Selection {
  const reasons: string[] = []
  for (const requirements of accepts) {
    const refusal = refusalOf(requirements, schemes, policy)
    if (typeof refusal === 'string') reasons.push(refusal)
    else return { ok: true, chosen: refusal }
  }
  return { ok: false, reasons }
}

function refusalOf(
  requirements: PaymentRequirements,
  schemes: readonly SchemeClient[],
  policy: PaymentPolicy,
): string | Candidate {
  const where = `${requirements.scheme} on ${requirements.network}`
  const scheme = schemes.find(
    (candidate) =>
      candidate.scheme === requirements.scheme &&
      candidate.networks.some((pattern) => networkMatches(pattern, requirements.network)),
  )
  if (!scheme) return `${where}: no signer for this scheme and network`
  if (
    policy.networks &&
    !policy.networks.some((pattern) => networkMatches(pattern, requirements.network))
  ) {
    return `${where}: network not in the allowed list`
  }
  const asset = scheme.describeAsset(requirements.network, requirements.asset)
  if (!asset) return `${where}: asset ${requirements.asset} is not a known asset`
  if (!asset.usdPegged)
    return `${where}: asset ${asset.symbol} is not a dollar stablecoin the cap applies to`
  const cap = toAtomicUnits(policy.maxPaymentUsd ?? '$0.10', asset.decimals)
  const amount = BigInt(requirements.amount)
  if (amount > cap) {
    const price = formatAtomicUnits(amount, asset.decimals)
    const limit = formatAtomicUnits(cap, asset.decimals)
    return `${where}: price ${price} ${asset.symbol} exceeds the per-payment cap of $${limit}`
  }
  return { requirements, scheme }
}

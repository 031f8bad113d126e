import {
  type AssetDescription,
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
  /** Assets the buyer pays with: addresses or symbols (`USDC`). @default any dollar stablecoin */
  assets?: readonly string[]
  /** Addresses the buyer pays to. @default any */
  payees?: readonly string[]
  /** Hosts the buyer pays (`api.example.com`, or `*.example.com` for its subdomains). @default any */
  hosts?: readonly string[]
}

/** Whether `url`'s host is allowed; `mcp://` and other URLs without a host pass when no list is set. */
export function hostAllowed(url: string, hosts: readonly string[] | undefined): boolean {
  if (!hosts) return true
  let host: string
  try {
    host = new URL(url).hostname.toLowerCase()
  } catch {
    return false
  }
  return hosts.some((pattern) => {
    const wanted = pattern.toLowerCase()
    return wanted.startsWith('*.') ? host.endsWith(wanted.slice(1)) : host === wanted
  })
}

export interface Candidate {
  requirements: PaymentRequirements
  scheme: SchemeClient
  asset: AssetDescription
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
  if (
    policy.payees &&
    !policy.payees.some((payee) => payee.toLowerCase() === requirements.payTo.toLowerCase())
  ) {
    return `${where}: payee ${requirements.payTo} is not in the allowed list`
  }
  const asset = scheme.describeAsset(requirements.network, requirements.asset)
  if (!asset) return `${where}: asset ${requirements.asset} is not a known asset`
  if (
    policy.assets &&
    !policy.assets.some((allowed) =>
      [requirements.asset.toLowerCase(), asset.symbol.toLowerCase()].includes(
        allowed.toLowerCase(),
      ),
    )
  ) {
    return `${where}: asset ${asset.symbol} (${requirements.asset}) is not in the allowed list`
  }
  if (!asset.usdPegged)
    return `${where}: asset ${asset.symbol} is not a dollar stablecoin the cap applies to`
  const cap = toAtomicUnits(policy.maxPaymentUsd ?? '$0.10', asset.decimals)
  const amount = BigInt(requirements.amount)
  if (amount > cap) {
    const price = formatAtomicUnits(amount, asset.decimals)
    const limit = formatAtomicUnits(cap, asset.decimals)
    return `${where}: price ${price} ${asset.symbol} exceeds the per-payment cap of $${limit}`
  }
  return { requirements, scheme, asset }
}

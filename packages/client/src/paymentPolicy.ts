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

/**
 * Why an offer was refused. `notAllowed` and `overCap` are the owner's limits (raising them is a
 * policy change); the others are facts about the wallet: no signer for the network, an asset it
 * does not know, one that is not a dollar, or a balance below the price.
 */
export type RefusalCause =
  | 'noSigner'
  | 'notAllowed'
  | 'unknownAsset'
  | 'notDollar'
  | 'overCap'
  | 'balance'

export interface Refusal {
  cause: RefusalCause
  /** One line naming the offer and the reason, e.g. "exact on eip155:8453: price … exceeds …". */
  message: string
}

export type Selection =
  | { ok: true; chosen: Candidate }
  | { ok: false; reasons: string[]; refusals: Refusal[] }

/** Causes a policy change would lift: only these deserve the owner's "raise it with …" hint. */
export const policyCauses: ReadonlySet<RefusalCause> = new Set(['notAllowed', 'overCap'])

/** A balance read slower than this counts as unknown rather than holding the payment up. */
const balanceTimeoutMsDefault = 3_000

/**
 * Picks a requirement this buyer can and may pay: a scheme that signs for its network, an
 * allowed network, a known dollar asset, an amount within the cap. Among those, in the order
 * offered, it prefers one the buyer is known to hold enough of (schemes with `balanceOf`), then
 * one whose balance is unknown; one the buyer is known not to afford is refused. Each refusal is
 * explained, so the caller can tell the user what to change.
 */
export async function selectRequirements(
  accepts: readonly PaymentRequirements[],
  schemes: readonly SchemeClient[],
  policy: PaymentPolicy,
  options: {
    /** @default 3000 */
    balanceTimeoutMs?: number
  } = {},
): Promise<Selection> {
  const refusals: Refusal[] = []
  const candidates: Candidate[] = []
  for (const requirements of accepts) {
    const refusal = refusalOf(requirements, schemes, policy)
    if ('cause' in refusal) refusals.push(refusal)
    else candidates.push(refusal)
  }
  const timeoutMs = options.balanceTimeoutMs ?? balanceTimeoutMsDefault
  const balances = await Promise.all(candidates.map((candidate) => balanceOf(candidate, timeoutMs)))
  const affordable = candidates.findIndex((candidate, index) => {
    const balance = balances[index]
    return balance !== undefined && balance >= BigInt(candidate.requirements.amount)
  })
  const unknown = balances.indexOf(undefined)
  const chosen = candidates[affordable >= 0 ? affordable : unknown]
  if (chosen) return { ok: true, chosen }
  candidates.forEach(({ requirements, asset }, index) => {
    const held = formatAtomicUnits(balances[index] ?? 0n, asset.decimals)
    const price = formatAtomicUnits(BigInt(requirements.amount), asset.decimals)
    refusals.push({
      cause: 'balance',
      message: `${requirements.scheme} on ${requirements.network}: the wallet holds ${held} ${asset.symbol}, the price is ${price} ${asset.symbol}`,
    })
  })
  return { ok: false, refusals, reasons: refusals.map((refusal) => refusal.message) }
}

/** The buyer's balance for a candidate, or `undefined` when unknown, failed or too slow. */
async function balanceOf(candidate: Candidate, timeoutMs: number): Promise<bigint | undefined> {
  if (!candidate.scheme.balanceOf) return undefined
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), timeoutMs)
  })
  try {
    return await Promise.race([candidate.scheme.balanceOf(candidate.requirements), late])
  } catch {
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

function refusalOf(
  requirements: PaymentRequirements,
  schemes: readonly SchemeClient[],
  policy: PaymentPolicy,
): Refusal | Candidate {
  const where = `${requirements.scheme} on ${requirements.network}`
  const refuse = (cause: RefusalCause, why: string): Refusal => ({
    cause,
    message: `${where}: ${why}`,
  })
  const scheme = schemes.find(
    (candidate) =>
      candidate.scheme === requirements.scheme &&
      candidate.networks.some((pattern) => networkMatches(pattern, requirements.network)),
  )
  if (!scheme) return refuse('noSigner', 'no signer for this scheme and network')
  if (
    policy.networks &&
    !policy.networks.some((pattern) => networkMatches(pattern, requirements.network))
  ) {
    return refuse('notAllowed', 'network not in the allowed list')
  }
  if (
    policy.payees &&
    !policy.payees.some((payee) => payee.toLowerCase() === requirements.payTo.toLowerCase())
  ) {
    return refuse('notAllowed', `payee ${requirements.payTo} is not in the allowed list`)
  }
  const asset = scheme.describeAsset(requirements.network, requirements.asset)
  if (!asset) return refuse('unknownAsset', `asset ${requirements.asset} is not a known asset`)
  if (
    policy.assets &&
    !policy.assets.some((allowed) =>
      [requirements.asset.toLowerCase(), asset.symbol.toLowerCase()].includes(
        allowed.toLowerCase(),
      ),
    )
  ) {
    return refuse(
      'notAllowed',
      `asset ${asset.symbol} (${requirements.asset}) is not in the allowed list`,
    )
  }
  if (!asset.usdPegged)
    return refuse(
      'notDollar',
      `asset ${asset.symbol} is not a dollar stablecoin the cap applies to`,
    )
  const cap = toAtomicUnits(policy.maxPaymentUsd ?? '$0.10', asset.decimals)
  const amount = BigInt(requirements.amount)
  if (amount > cap) {
    const price = formatAtomicUnits(amount, asset.decimals)
    const limit = formatAtomicUnits(cap, asset.decimals)
    return refuse(
      'overCap',
      `price ${price} ${asset.symbol} exceeds the per-payment cap of $${limit}`,
    )
  }
  return { requirements, scheme, asset }
}

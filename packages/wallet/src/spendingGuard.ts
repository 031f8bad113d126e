import type {
  PaymentIntent,
  PaymentOutcome,
  SpendAuthorization,
  SpendingGuard,
} from '@tollgate/client'
import { formatAtomicUnits, TollgateError } from '@tollgate/core'
import { describeBudget, formatUsd, type SpendingPolicy } from './policy.ts'
import type { SpendStore } from './spendStore.ts'

/** A payment above the approval threshold, shown to the owner. */
export interface ApprovalRequest {
  url: string
  network: string
  payTo: string
  /** e.g. `0.25 USDC` */
  amount: string
  usd: string
}

export interface SpendingGuardOptions {
  store: SpendStore
  policy: SpendingPolicy
  /**
   * Asked for a payment above `policy.approvalAbove`; resolve true to approve. Without it such
   * payments are refused.
   */
  onApproval?: ((request: ApprovalRequest) => Promise<boolean>) | undefined
  /** How to raise a limit, appended to refusals, e.g. `raise it with --daily-budget`. */
  howToRaise?: string | undefined
}

/**
 * The owner's budgets and approvals over a paying client: each payment is checked and recorded in
 * the store before it is signed (so concurrent payments, in this process or others, cannot
 * together exceed a budget), and its end is recorded when known.
 */
export function spendingGuard(options: SpendingGuardOptions): SpendingGuard {
  const { store, policy } = options
  const refuse = (message: string): never => {
    const hint = options.howToRaise ? ` (${options.howToRaise})` : ''
    throw new TollgateError('POLICY_REFUSED', `${message}${hint}`)
  }
  return {
    async authorize(intent: PaymentIntent): Promise<SpendAuthorization> {
      const { requirements, asset } = intent
      const amount = BigInt(requirements.amount)
      const usdMicros = toMicros(amount, asset.decimals)
      const price = `${formatAtomicUnits(amount, asset.decimals)} ${asset.symbol}`
      if (policy.maxPayment !== undefined && usdMicros > policy.maxPayment)
        refuse(
          `${price} for ${intent.url} is above the per-payment cap of $${formatUsd(policy.maxPayment)}`,
        )
      if (policy.approvalAbove !== undefined && usdMicros > policy.approvalAbove) {
        const request = {
          url: intent.url,
          network: requirements.network,
          payTo: requirements.payTo,
          amount: price,
          usd: formatUsd(usdMicros),
        }
        const approved = options.onApproval ? await options.onApproval(request) : false
        if (!approved) {
          refuse(
            `${price} for ${intent.url} is above $${formatUsd(policy.approvalAbove)} and needs the owner's approval, which ${options.onApproval ? 'was not given' : 'cannot be asked here'}`,
          )
        }
      }
      const reservation = await store.reserve(
        {
          url: intent.url,
          host: hostOf(intent.url),
          network: requirements.network,
          asset: requirements.asset,
          payTo: requirements.payTo,
          amount,
          decimals: asset.decimals,
          usdMicros,
          validForSeconds: requirements.maxTimeoutSeconds,
        },
        policy.budgets,
      )
      if (!reservation.ok) {
        const { budget, spentMicros, host } = reservation
        const left = budget.limit > spentMicros ? budget.limit - spentMicros : 0n
        refuse(
          `${price} for ${intent.url} would exceed ${describeBudget(budget, host)}: $${formatUsd(spentMicros)} spent, $${formatUsd(left)} left`,
        )
      }
      const id = (reservation as { id: string }).id
      return {
        signed: (payment) =>
          store.update(id, {
            state: 'signed',
            paymentIdentifier: paymentIdentifierOf(payment.extensions),
          }),
        finished: (outcome) => store.update(id, changeOf(outcome, amount, asset.decimals)),
        abandoned: (reason) => store.update(id, { state: 'abandoned', reason }),
      }
    },
  }
}

/**
 * What a finished payment changes in its record. A settled usage-based payment whose receipt
 * names a charge below the reserved maximum counts that charge from then on; a receipt never
 * raises what was reserved.
 */
function changeOf(outcome: PaymentOutcome, reserved: bigint, decimals: number) {
  const receipt = 'receipt' in outcome ? outcome.receipt : undefined
  const charged =
    outcome.state === 'settled' && receipt?.success && /^\d+$/.test(receipt.amount ?? '')
      ? BigInt(receipt.amount!)
      : undefined
  return {
    state: outcome.state,
    reason: 'reason' in outcome ? outcome.reason : undefined,
    transaction: receipt?.transaction || undefined,
    payer: receipt?.payer || undefined,
    ...(charged !== undefined && charged < reserved
      ? {
          charged: {
            amount: charged.toString(),
            usdMicros: toMicros(charged, decimals).toString(),
          },
        }
      : {}),
  }
}

/** Micro-dollars of an amount of a dollar stablecoin, rounded up. */
export function toMicros(amount: bigint, decimals: number): bigint {
  if (decimals <= 6) return amount * 10n ** BigInt(6 - decimals)
  const divisor = 10n ** BigInt(decimals - 6)
  return (amount + divisor - 1n) / divisor
}

/** The host a budget counts against; resources without one (`mcp://tool/x`) count as their scheme. */
export function hostOf(url: string): string {
  try {
    const parsed = new URL(url)
    return (parsed.hostname || parsed.protocol.replace(':', '')).toLowerCase()
  } catch {
    return 'unknown'
  }
}

function paymentIdentifierOf(extensions: Record<string, unknown> | undefined): string | undefined {
  const info = (extensions?.['payment-identifier'] as { info?: { id?: unknown } } | undefined)?.info
  return typeof info?.id === 'string' ? info.id : undefined
}

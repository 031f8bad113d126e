import type { PaymentPolicy } from '@tollgate/client'
import { formatAtomicUnits, toAtomicUnits } from '@tollgate/core'
import { z } from 'zod'

/**
 * An owner's rules for what an agent may spend, as a JSON file holds them. Amounts are dollars
 * (`"$0.10"` or `0.1`) and apply to dollar stablecoins one to one; inside, they are micro-dollars
 * (bigint), so sums never round.
 */

const dollars = z.union([z.string(), z.number()]).transform((value, context) => {
  try {
    return toAtomicUnits(value, 6)
  } catch {
    context.addIssue({
      code: 'custom',
      message: `${JSON.stringify(value)} is not a dollar amount such as "$0.10" (at most 6 decimals)`,
    })
    return z.NEVER
  }
})

export const budgetPeriods = { hour: 3_600, day: 86_400, week: 604_800, month: 2_592_000 } as const
export type BudgetPeriod = keyof typeof budgetPeriods

const budgetSchema = z
  .strictObject({
    /** Most that may be spent in the window, in dollars. */
    limit: dollars,
    /** A rolling window: the last hour, day (24 h), week or 30 days. Absent: all time. */
    per: z.enum(['hour', 'day', 'week', 'month']).optional(),
    /** Counts only payments to this host (`api.example.com`). */
    host: z.string().min(1).optional(),
    /** Applies to each host separately. */
    eachHost: z.boolean().optional(),
  })
  .refine((budget) => !(budget.host && budget.eachHost), {
    message: 'a budget has either host or eachHost, not both',
  })

export const spendingPolicySchema = z.strictObject({
  /** Largest single payment. @default "$0.10" */
  maxPayment: dollars.optional(),
  /** Payments above this need the owner's approval (`onApproval`). */
  approvalAbove: dollars.optional(),
  budgets: z.array(budgetSchema).default([]),
  /** CAIP-2 networks, or `eip155:*` patterns. */
  networks: z.array(z.string().min(1)).optional(),
  /** Asset addresses or symbols (`USDC`). */
  assets: z.array(z.string().min(1)).optional(),
  /** Addresses that may be paid. */
  payees: z.array(z.string().min(1)).optional(),
  /** Hosts that may be paid (`api.example.com`, `*.example.com`). */
  hosts: z.array(z.string().min(1)).optional(),
})

export type SpendingPolicy = z.output<typeof spendingPolicySchema>
export type SpendingPolicyInput = z.input<typeof spendingPolicySchema>
export type Budget = SpendingPolicy['budgets'][number]

/** Reads a policy, with every problem named by its path. */
export function parseSpendingPolicy(input: unknown): SpendingPolicy {
  const parsed = spendingPolicySchema.safeParse(input)
  if (parsed.success) return parsed.data
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.') || '(policy)'}: ${issue.message}`,
  )
  throw new Error(`invalid spending policy: ${problems.join('; ')}`)
}

/** The per-payment rules in the form the paying client applies them when choosing. */
export function paymentPolicyOf(policy: SpendingPolicy): PaymentPolicy {
  return {
    maxPaymentUsd: `$${formatUsd(policy.maxPayment ?? 100_000n)}`,
    ...(policy.networks ? { networks: policy.networks } : {}),
    ...(policy.assets ? { assets: policy.assets } : {}),
    ...(policy.payees ? { payees: policy.payees } : {}),
    ...(policy.hosts ? { hosts: policy.hosts } : {}),
  }
}

/** Micro-dollars as `0.1`, `12.5`. */
export function formatUsd(micros: bigint): string {
  return formatAtomicUnits(micros, 6)
}

/** "the daily budget", "the hourly budget for api.example.com", "the total budget". */
export function describeBudget(budget: Budget, host?: string): string {
  const period = budget.per
    ? { hour: 'hourly', day: 'daily', week: 'weekly', month: '30-day' }[budget.per]
    : 'total'
  const where = budget.host ?? (budget.eachHost ? host : undefined)
  return `the ${period} budget${where ? ` for ${where}` : ''} of $${formatUsd(budget.limit)}`
}

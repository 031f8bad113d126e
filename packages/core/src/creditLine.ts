import type { CreditBook, CreditEntry, CreditLimits } from './credit.ts'
import type { ErrorCode } from './errors/codes.ts'
import type { PaymentPayload, PaymentRequirements } from './wire/types.ts'

/** What a credited request asks for: one operation of one route. */
export interface CreditOperation {
  /** The request's full URL. */
  url: string
  method: string
  /** The route's path as matched. */
  path: string
  /** The route's price as configured (every option's, when it has several). */
  price: string
}

/** A request that carries a payment the gate checked locally, asking to be served first. */
export interface CreditApplication {
  operation: CreditOperation
  header(name: string): string | undefined
  payment: PaymentPayload
  requirements: PaymentRequirements
  /** The payer the payment's signature proves (checked without the chain). */
  payer: string
}

export type CreditDecision =
  /** Serve as usual: settle first. `why` is for logs and the operator. */
  | { kind: 'pay-first'; why: string }
  /** The caller tried to be trusted and failed: refuse with this code, do not fall back. */
  | { kind: 'refused'; code: ErrorCode; message: string }
  /** Serve now and settle within `settleWithinSeconds`, if the book admits it within `limits`. */
  | { kind: 'trusted'; agent: string; limits: CreditLimits; settleWithinSeconds: number }

/**
 * "Serve first, pay later" for one route: who is trusted (`judge`), where the money at risk is
 * bounded and recorded (`book`), and what happens once a credited payment settled or failed.
 */
export interface CreditLine {
  /** Extensions a 402 carries so an agent can ask for credit (the sign-in challenge). */
  extensions(operation: CreditOperation): Record<string, unknown>
  judge(application: CreditApplication): Promise<CreditDecision>
  book: CreditBook
  /** After a credited payment settled, e.g. to rate the agent (never its own key). */
  onSettled?(entry: CreditEntry, transaction: string): Promise<void>
  /** After it failed for good: the debt is recorded; e.g. file feedback with the evidence. */
  onDefaulted?(entry: CreditEntry, reason: string): Promise<void>
}

import type {
  AssetDescription,
  PaymentPayload,
  PaymentRequirements,
  SettleResponse,
} from '@tollgate/core'

/** A payment the client is about to sign, offered to the spending guard first. */
export interface PaymentIntent {
  /** The URL (or `mcp://…` resource) being paid for. */
  url: string
  requirements: PaymentRequirements
  asset: AssetDescription
}

/**
 * How a signed payment ended, as far as the buyer can tell: settled (with the receipt when the
 * server sent one), failed with the server's reason, or pending when no final answer came.
 */
export type PaymentOutcome =
  | { state: 'settled'; payment: PaymentPayload; receipt?: SettleResponse; attempts: number }
  | {
      state: 'failed'
      payment: PaymentPayload
      reason: string
      receipt?: SettleResponse
      attempts: number
    }
  | { state: 'pending'; payment: PaymentPayload; reason: string; attempts: number }

/**
 * Persisted spending limits (budgets, approvals) around the client's static policy. `authorize`
 * runs before anything is signed and throws a `POLICY_REFUSED` error to refuse.
 */
export interface SpendingGuard {
  authorize(intent: PaymentIntent): Promise<SpendAuthorization>
}

/** One authorized payment: told when it is signed and how it ended. */
export interface SpendAuthorization {
  signed(payment: PaymentPayload): Promise<void>
  finished(outcome: PaymentOutcome): Promise<void>
  /** Nothing was signed after all (e.g. the signer failed): the reservation is returned. */
  abandoned(reason: string): Promise<void>
}

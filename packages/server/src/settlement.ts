import {
  type FacilitatorClient,
  finalityOf,
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
  type SettleResponse,
} from '@tollgate/core'

/** When the gate releases paid content: once the transfer is in a block, or once confirmed. */
export type ReleasePolicy = 'included' | 'confirmed'

export interface ConfirmationOptions {
  /** How many more times settle is asked for a confirmed answer. @default 10 */
  attempts?: number | undefined
  /** The wait between asks. @default 1000 */
  delayMs?: number | undefined
}

/** The settle answer, or `unconfirmed` with the last success when confirmation did not come. */
export type SettleOutcome =
  | { kind: 'answered'; receipt: SettleResponse }
  | { kind: 'unconfirmed'; receipt: SettleResponse }

/**
 * Settles; a pending answer is asked once more (the facilitator waits on the same transaction).
 * Under `confirmed`, a success reported as only `included` is asked again (settle is idempotent)
 * until it is confirmed, within the bound. An answer without finality counts as confirmed.
 */
export async function settlePayment(
  facilitator: Pick<FacilitatorClient, 'settle'>,
  payment: PaymentPayload,
  requirements: PaymentRequirements,
  release: ReleasePolicy,
  confirmation: ConfirmationOptions,
): Promise<SettleOutcome> {
  let receipt = await facilitator.settle(payment, requirements)
  if (!receipt.success && receipt.errorReason === reasonOf('SETTLEMENT_PENDING'))
    receipt = await facilitator.settle(payment, requirements)
  if (release === 'included' || !receipt.success) return { kind: 'answered', receipt }
  const attempts = confirmation.attempts ?? 10
  for (let attempt = 0; ; attempt++) {
    if (finalityOf(receipt)?.state !== 'included') return { kind: 'answered', receipt }
    if (attempt >= attempts) return { kind: 'unconfirmed', receipt }
    await new Promise((resolve) => setTimeout(resolve, confirmation.delayMs ?? 1_000))
    const again = await facilitator.settle(payment, requirements)
    // A later answer that is not a success says nothing new of a transfer already included.
    if (again.success) receipt = again
  }
}

/** The receipt a buyer gets while confirmation is awaited: pending, with the transaction. */
export function unconfirmedReceipt(receipt: SettleResponse): SettleResponse {
  return {
    ...receipt,
    success: false,
    errorReason: reasonOf('SETTLEMENT_PENDING'),
    errorMessage: 'the transfer is not confirmed yet; present the same payment again',
  }
}

import type { CreditEntry, CreditLine } from '@tollgate/core'
import type { Address, Hex } from 'viem'
import { proofOfPayment } from '../feedbackFile.ts'
import type { TrustClient } from '../trustClient.ts'

export interface CreditFeedbackOptions {
  /** Rates with the merchant's reviewer key: never the agent's owner (the registry refuses it). */
  reviewer: TrustClient
  /** Stores a feedback file and returns its URI (`publishContent` for Tollgate's store). */
  publish: (bytes: Uint8Array) => Promise<string>
  /** The rating a settled credited payment earns. @default 100 */
  settledValue?: number | string | undefined
  /** The rating a defaulted one earns. @default 0 */
  defaultedValue?: number | string | undefined
}

/** What the gate stored with the entry: enough to name the payer and the payee. */
function paymentOf(entry: CreditEntry) {
  try {
    const stored = JSON.parse(entry.payment) as {
      payload?: { payload?: { authorization?: { from?: string; to?: string; nonce?: string } } }
    }
    return stored.payload?.payload?.authorization
  } catch {
    return undefined
  }
}

function agentIdOf(entry: CreditEntry): bigint | undefined {
  const id = entry.agent.split(':').at(-1) ?? ''
  return /^\d{1,78}$/.test(id) ? BigInt(id) : undefined
}

/**
 * `onSettled` and `onDefaulted` for `reputationCredit` that rate the agent with the merchant's
 * reviewer key: a settled payment earns `settledValue`, its file carrying the settlement as
 * `proofOfPayment` (so `verifyFeedback` finds the transfer); a default earns `defaultedValue`,
 * its file carrying the evidence (the authorization, the deadline and why it failed).
 */
export function creditFeedback(
  options: CreditFeedbackOptions,
): Pick<CreditLine, 'onSettled' | 'onDefaulted'> {
  // One key sends these one at a time: concurrent sends from one account race for its nonce.
  let queue: Promise<unknown> = Promise.resolve()
  const rate = (
    entry: CreditEntry,
    value: number | string,
    tag2: string,
    file: Record<string, unknown>,
  ): Promise<void> => {
    const agentId = agentIdOf(entry)
    if (agentId === undefined) return Promise.resolve()
    const sent = queue.then(() =>
      options.reviewer.giveFeedback({
        agentId,
        value,
        tag1: 'x402',
        tag2,
        file,
        publish: options.publish,
      }),
    )
    queue = sent.catch(() => undefined)
    return sent.then(() => undefined)
  }
  return {
    async onSettled(entry, transaction) {
      const authorization = paymentOf(entry)
      if (!authorization?.from || !authorization.to) return
      await rate(entry, options.settledValue ?? 100, 'credit-settled', {
        proofOfPayment: proofOfPayment({
          payer: authorization.from as Address,
          payTo: authorization.to as Address,
          chainId: options.reviewer.chainId,
          transaction: transaction as Hex,
        }),
      })
    },
    async onDefaulted(entry, reason) {
      await rate(entry, options.defaultedValue ?? 0, 'credit-defaulted', {
        evidence: {
          reason,
          amount: entry.amount.toString(),
          unit: entry.unit,
          deadline: entry.deadline.toISOString(),
          authorization: paymentOf(entry),
        },
      })
    },
  }
}

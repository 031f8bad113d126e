import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import type { PaymentOutcome } from '@tollgate/client'
import { formatAtomicUnits, type SchemeClient } from '@tollgate/core'
import { connectionFailure } from '../ui.ts'

/** A successful tool result: the text an LLM reads, and the same facts as JSON. */
export function answer(text: string, structured: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured }
}

/** A failed tool call, told as a sentence the model can act on. */
export function refusal(message: string, structured: Record<string, unknown> = {}): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text: message }],
    structuredContent: { error: message, ...structured },
  }
}

/** What a payment came to, for a tool result: never the signed payload itself. */
export function paymentFacts(
  outcome: PaymentOutcome | undefined,
  schemes: readonly SchemeClient[],
): Record<string, unknown> | undefined {
  if (!outcome) return undefined
  const accepted = outcome.payment.accepted
  // Whichever scheme client signed it knows the asset (EVM or Solana), for a readable amount.
  const asset = schemes
    .map((scheme) => scheme.describeAsset(accepted.network, accepted.asset))
    .find((described) => described !== undefined)
  const receipt = 'receipt' in outcome ? outcome.receipt : undefined
  return {
    state: outcome.state,
    amount: asset
      ? `${formatAtomicUnits(BigInt(accepted.amount), asset.decimals)} ${asset.symbol}`
      : `${accepted.amount} atomic units`,
    network: accepted.network,
    payTo: accepted.payTo,
    attempts: outcome.attempts,
    ...('reason' in outcome && outcome.reason ? { reason: outcome.reason } : {}),
    ...(receipt?.transaction ? { transaction: receipt.transaction } : {}),
  }
}

/** One line about a payment, for the text part of a result. */
export function describePayment(facts: Record<string, unknown> | undefined): string {
  if (!facts) return 'No payment was asked.'
  const tx = facts.transaction ? ` (tx ${String(facts.transaction)})` : ''
  if (facts.state === 'settled')
    return `Paid ${String(facts.amount)} on ${String(facts.network)}${tx}.`
  if (facts.state === 'pending')
    return `Payment of ${String(facts.amount)} not confirmed yet (${String(facts.reason)}); it is recorded as pending and was not paid twice.`
  return `Payment of ${String(facts.amount)} failed: ${String(facts.reason)}${tx}; the content was not served.`
}

/** Error text without anything secret: messages only, never a stack or a request dump. */
export function messageOf(error: unknown): string {
  return connectionFailure(error) ?? (error instanceof Error ? error.message : String(error))
}

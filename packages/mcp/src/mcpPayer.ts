import type { Client } from '@modelcontextprotocol/sdk/client/index.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import {
  attemptsAllowed,
  finish,
  type Judgement,
  nextDelayMs,
  outcomeOf,
  type PayerOptions,
  type PaymentOutcome,
  preparePayment,
} from '@tollgate/client'
import { codeOfReason, errorCodes, reasonOf, type SettleResponse } from '@tollgate/core'
import { mcpPaymentMetaKey, readPaymentRequired, readPaymentResponse } from './paymentResults.ts'

export interface PaidToolCall {
  result: CallToolResult
  /** How the payment ended, when one was made. */
  outcome?: PaymentOutcome
  receipt?: SettleResponse
}

/**
 * Calls a tool on an MCP server and, when it answers with a payment request, pays within the
 * policy and calls again with the payment in `_meta["x402/payment"]`. A call whose payment
 * outcome is unknown (a transport error, `settlement_pending`) is made again with the same
 * payment, never a new one.
 */
export async function callPaidTool(
  client: Pick<Client, 'callTool'>,
  call: { name: string; arguments?: Record<string, unknown> },
  options: PayerOptions & { resourceUrl?: string },
): Promise<PaidToolCall> {
  const first = (await client.callTool(call)) as CallToolResult
  const required = readPaymentRequired(first)
  if (!required) return { result: first }
  const resource = options.resourceUrl ?? required.resource?.url ?? `mcp://tool/${call.name}`
  const prepared = await preparePayment(required, resource, options)
  const attempts = attemptsAllowed(options)
  for (let attempt = 1; ; attempt++) {
    let result: CallToolResult | undefined
    let lost: unknown
    try {
      result = (await client.callTool({
        ...call,
        _meta: { [mcpPaymentMetaKey]: prepared.payment },
      })) as CallToolResult
    } catch (error) {
      lost = error
    }
    const judgement: Judgement = result
      ? judgeToolResult(result)
      : { kind: 'unknown', reason: `no answer: ${(lost as Error).message}` }
    if (judgement.kind !== 'unknown' || attempt >= attempts) {
      const outcome = outcomeOf(judgement, prepared.payment, attempt)
      await finish(prepared, outcome, options)
      if (!result) throw lost
      const receipt = readPaymentResponse(result)
      return { result, outcome, ...(receipt ? { receipt } : {}) }
    }
    await new Promise((resolve) => setTimeout(resolve, nextDelayMs(attempt, options)))
  }
}

/** What a paid tool's answer says about the payment. */
export function judgeToolResult(result: CallToolResult): Judgement {
  const receipt = readPaymentResponse(result)
  const required = readPaymentRequired(result)
  if (!result.isError || (receipt?.success && !required)) {
    if (receipt && !receipt.success)
      return { kind: 'failed', reason: receipt.errorReason ?? 'settlement failed', receipt }
    return { kind: 'settled', ...(receipt ? { receipt } : {}) }
  }
  const reason = receipt?.errorReason ?? required?.error ?? 'the tool refused the payment'
  if (
    reason === reasonOf('SETTLEMENT_PENDING') ||
    reason === reasonOf('PAYMENT_IN_USE') ||
    reason === reasonOf('PAYMENT_IN_PROGRESS') ||
    trouble(reason)
  )
    return { kind: 'unknown', reason }
  // An error result without a payment request: the tool failed, and paid tools do not settle then.
  if (!required && !receipt)
    return { kind: 'failed', reason: 'the tool failed; nothing was settled' }
  return { kind: 'failed', reason, ...(receipt ? { receipt } : {}) }
}

/** The server could not have the payment judged now (its facilitator is down or limited): ask again. */
function trouble(reason: string): boolean {
  const code = codeOfReason(reason)
  return code !== undefined && ['unavailable', 'internal'].includes(errorCodes[code].kind)
}

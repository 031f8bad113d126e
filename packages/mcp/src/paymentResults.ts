import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import {
  decodeBase64Utf8,
  type PaymentRequired,
  parsePaymentRequired,
  parseSettleResponse,
  parseStrictJson,
  type SettleResponse,
  TollgateError,
} from '@tollgate/core'

/**
 * The x402 MCP transport (x402 v2 `transports-v2/mcp.md`): a tool that wants payment answers with
 * an error result carrying `PaymentRequired`; the payment travels in the request's
 * `_meta["x402/payment"]` and the receipt in the result's `_meta["x402/payment-response"]`.
 */
export const mcpPaymentMetaKey = 'x402/payment'
export const mcpPaymentResponseMetaKey = 'x402/payment-response'
/** Other implementations' spelling of the same keys (Vercel's `x402-mcp`). */
const dottedPaymentMetaKey = 'x402.payment'
const dottedPaymentResponseMetaKey = 'x402.payment-response'

/** The error result that asks for payment: `structuredContent` and, for text-only clients, the same JSON as text. */
export function paymentRequiredResult(required: PaymentRequired): CallToolResult {
  return {
    isError: true,
    structuredContent: { ...required },
    content: [{ type: 'text', text: JSON.stringify(required) }],
  }
}

/**
 * The `PaymentRequired` in a tool result, if it asks for payment: `structuredContent`, the JSON
 * text, or the `{"x402/error": {code: 402, data}}` text and `_meta["x402/error"]` of other
 * implementations.
 */
export function readPaymentRequired(result: CallToolResult): PaymentRequired | undefined {
  if (!result.isError) return undefined
  const candidates: unknown[] = [result.structuredContent, result._meta?.['x402/error']]
  for (const block of result.content ?? []) {
    if (block.type !== 'text') continue
    try {
      const parsed: unknown = JSON.parse(block.text)
      candidates.push(
        parsed,
        (parsed as { 'x402/error'?: { data?: unknown } })?.['x402/error']?.data,
      )
    } catch {
      // Not JSON: an ordinary error message.
    }
  }
  for (const candidate of candidates) {
    if (typeof candidate !== 'object' || candidate === null) continue
    if (!('accepts' in candidate) || !('x402Version' in candidate)) continue
    try {
      return parsePaymentRequired(candidate)
    } catch {
      // Looks like one but is not valid: try the next.
    }
  }
  return undefined
}

/** The receipt a paid tool result carries, if any. */
export function readPaymentResponse(result: CallToolResult): SettleResponse | undefined {
  const value =
    result._meta?.[mcpPaymentResponseMetaKey] ?? result._meta?.[dottedPaymentResponseMetaKey]
  if (value === undefined) return undefined
  try {
    return parseSettleResponse(
      typeof value === 'string' ? JSON.parse(decodeBase64Utf8(value) ?? value) : value,
    )
  } catch {
    return undefined
  }
}

/**
 * The payment in a request's `_meta` as JSON: an object (the x402 spec), or a base64 JSON string
 * as other implementations send it, under either key. Both forms go through the strict decoder
 * of the payment headers (duplicate keys, NUL or lone surrogates in strings, nesting past the
 * limit are refused). An object arrives parsed already, so its duplicate keys are gone; it is
 * written back to JSON text and read strictly, which bounds its depth and checks its strings.
 * @throws TollgateError `PAYLOAD_MALFORMED` when a payment is there but cannot be read.
 */
export function readPaymentMeta(meta: Record<string, unknown> | undefined): unknown {
  const value = meta?.[mcpPaymentMetaKey] ?? meta?.[dottedPaymentMetaKey]
  if (value === undefined || value === null) return undefined
  const text = typeof value === 'string' ? (decodeBase64Utf8(value) ?? value) : jsonText(value)
  const parsed = parseStrictJson(text)
  if (!parsed.ok) {
    throw new TollgateError('PAYLOAD_MALFORMED', `the payment in _meta: ${parsed.error}`)
  }
  return parsed.value
}

/**
 * An object payment as JSON text. What JSON cannot express (a cycle, a BigInt, a function, more
 * nesting than the serialiser's stack holds) is malformed.
 */
function jsonText(value: unknown): string {
  let text: string | undefined
  try {
    text = JSON.stringify(value)
  } catch (error) {
    throw new TollgateError('PAYLOAD_MALFORMED', 'the payment in _meta is not JSON', {
      cause: error,
    })
  }
  if (typeof text !== 'string')
    throw new TollgateError('PAYLOAD_MALFORMED', 'the payment in _meta is not JSON')
  return text
}

import type { z } from 'zod'
import { TollgateError } from '../errors/TollgateError.ts'
import {
  paymentPayloadSchema,
  paymentRequiredSchema,
  paymentRequirementsSchema,
  settleResponseSchema,
  supportedResponseSchema,
  verifyResponseSchema,
} from './schemas.ts'
import type {
  PaymentPayload,
  PaymentPayloadV1,
  PaymentRequired,
  PaymentRequirements,
  SettleResponse,
  SupportedResponse,
  VerifyResponse,
  X402Version,
} from './types.ts'
import { paymentRequiredFromV1, requirementsFromV1 } from './v1.ts'
import {
  paymentPayloadV1Schema,
  paymentRequiredV1Schema,
  paymentRequirementsV1Schema,
} from './v1Schemas.ts'
import { describeZodError } from './zodIssues.ts'

/** Parse, don't cast: every value from outside goes through one of these. */

type ErrorCodeForParse =
  | 'PAYLOAD_MALFORMED'
  | 'REQUIREMENTS_MALFORMED'
  | 'FACILITATOR_RESPONSE_INVALID'

function parseWith<T>(
  schema: z.ZodType<T, unknown>,
  input: unknown,
  code: ErrorCodeForParse,
  what: string,
): T {
  const result = schema.safeParse(input)
  if (!result.success) {
    throw new TollgateError(code, `${what} is malformed: ${describeZodError(result.error)}`, {
      details: describeZodError(result.error),
    })
  }
  return result.data
}

/** The protocol version a JSON value declares; throws `invalid_x402_version` for others. */
export function versionOf(input: unknown): X402Version {
  const version = (input as { x402Version?: unknown } | null)?.x402Version
  if (version === 1 || version === 2) return version
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new TollgateError('PAYLOAD_MALFORMED', 'expected a JSON object')
  }
  throw new TollgateError(
    'VERSION_UNSUPPORTED',
    `x402Version ${JSON.stringify(version ?? null)} is not supported; use 2 (or 1)`,
  )
}

/** A 402 answer of either version, in the internal shape. */
export function parsePaymentRequired(input: unknown): PaymentRequired {
  if (versionOf(input) === 1) {
    return paymentRequiredFromV1(
      parseWith(paymentRequiredV1Schema, input, 'PAYLOAD_MALFORMED', 'v1 payment requirements'),
    )
  }
  return parseWith(paymentRequiredSchema, input, 'PAYLOAD_MALFORMED', 'PAYMENT-REQUIRED')
}

/** Requirements in the given version's wire form, in the internal shape. */
export function parsePaymentRequirements(
  input: unknown,
  version: X402Version,
): PaymentRequirements {
  if (version === 1) {
    return requirementsFromV1(
      parseWith(
        paymentRequirementsV1Schema,
        input,
        'REQUIREMENTS_MALFORMED',
        'paymentRequirements',
      ),
    )
  }
  return parseWith(
    paymentRequirementsSchema,
    input,
    'REQUIREMENTS_MALFORMED',
    'paymentRequirements',
  )
}

/** A v2 payment, or a v1 payment still in its wire form (it needs requirements to translate). */
export function parsePaymentPayload(
  input: unknown,
): { version: 2; payload: PaymentPayload } | { version: 1; payload: PaymentPayloadV1 } {
  if (versionOf(input) === 1) {
    return {
      version: 1,
      payload: parseWith(paymentPayloadV1Schema, input, 'PAYLOAD_MALFORMED', 'v1 payment payload'),
    }
  }
  return {
    version: 2,
    payload: parseWith(paymentPayloadSchema, input, 'PAYLOAD_MALFORMED', 'payment payload'),
  }
}

export function parseVerifyResponse(input: unknown): VerifyResponse {
  return parseWith(verifyResponseSchema, input, 'FACILITATOR_RESPONSE_INVALID', 'verify response')
}

export function parseSettleResponse(input: unknown): SettleResponse {
  return parseWith(settleResponseSchema, input, 'FACILITATOR_RESPONSE_INVALID', 'settle response')
}

export function parseSupportedResponse(input: unknown): SupportedResponse {
  return parseWith(
    supportedResponseSchema,
    input,
    'FACILITATOR_RESPONSE_INVALID',
    'supported response',
  )
}

import { toCaip2, toLegacyNetwork } from '../networks/caip2.ts'
import type {
  PaymentPayload,
  PaymentPayloadV1,
  PaymentRequired,
  PaymentRequiredV1,
  PaymentRequirements,
  PaymentRequirementsV1,
  ResourceInfo,
  SettleResponse,
} from './types.ts'

/**
 * Translation between the legacy v1 wire forms and the one internal shape. Everything in the
 * project works on the internal shape; v1 exists only at these edges.
 */

export function requirementsFromV1(v1: PaymentRequirementsV1): PaymentRequirements {
  return {
    scheme: v1.scheme,
    // Unknown v1 names stay as they are, so a facilitator answers invalid_network for them.
    network: toCaip2(v1.network) ?? v1.network,
    amount: v1.maxAmountRequired,
    asset: v1.asset,
    payTo: v1.payTo,
    maxTimeoutSeconds: v1.maxTimeoutSeconds,
    ...(v1.extra ? { extra: v1.extra } : {}),
  }
}

export function resourceFromV1(v1: PaymentRequirementsV1): ResourceInfo {
  return {
    url: v1.resource,
    ...(v1.description ? { description: v1.description } : {}),
    ...(v1.mimeType ? { mimeType: v1.mimeType } : {}),
  }
}

/** A requirement in v1 form, or undefined when v1 has no name for its network. */
export function requirementsToV1(
  requirements: PaymentRequirements,
  resource: ResourceInfo,
  outputSchema?: Record<string, unknown>,
): PaymentRequirementsV1 | undefined {
  const network = toLegacyNetwork(requirements.network)
  if (!network) return undefined
  return {
    scheme: requirements.scheme,
    network,
    maxAmountRequired: requirements.amount,
    resource: resource.url,
    description: resource.description ?? '',
    mimeType: resource.mimeType ?? '',
    ...(outputSchema ? { outputSchema } : {}),
    payTo: requirements.payTo,
    maxTimeoutSeconds: requirements.maxTimeoutSeconds,
    asset: requirements.asset,
    ...(requirements.extra ? { extra: requirements.extra } : {}),
  }
}

export function paymentRequiredFromV1(v1: PaymentRequiredV1): PaymentRequired {
  const first = v1.accepts[0]
  return {
    x402Version: 1,
    ...(v1.error ? { error: v1.error } : {}),
    resource: first ? resourceFromV1(first) : { url: '' },
    accepts: v1.accepts.map(requirementsFromV1),
  }
}

export function paymentRequiredToV1(required: PaymentRequired): PaymentRequiredV1 {
  const accepts = required.accepts
    .map((requirements) => requirementsToV1(requirements, required.resource))
    .filter((requirements) => requirements !== undefined)
  return { x402Version: 1, error: required.error ?? 'Payment required', accepts }
}

/** A v1 payment in the internal shape, with `accepted` set to the requirement it pays. */
export function paymentPayloadFromV1(
  v1: PaymentPayloadV1,
  accepted: PaymentRequirements,
): PaymentPayload {
  return { x402Version: 1, accepted, payload: v1.payload }
}

export function paymentPayloadToV1(payload: PaymentPayload): PaymentPayloadV1 {
  return {
    x402Version: 1,
    scheme: payload.accepted.scheme,
    network: toLegacyNetwork(payload.accepted.network) ?? payload.accepted.network,
    payload: payload.payload,
  }
}

/** v1 receipts name the network the v1 way. */
export function settleResponseToV1(response: SettleResponse): SettleResponse {
  return { ...response, network: toLegacyNetwork(response.network) ?? response.network }
}

/** True when a v1 payment names the same scheme and network as the requirement. */
export function v1PaymentMatches(v1: PaymentPayloadV1, requirements: PaymentRequirements): boolean {
  return (
    v1.scheme === requirements.scheme &&
    (toCaip2(v1.network) ?? v1.network) === requirements.network
  )
}

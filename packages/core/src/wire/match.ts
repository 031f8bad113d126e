import type { PaymentPayload, PaymentRequirements } from './types.ts'

const hexAddress = /^0x[0-9a-fA-F]+$/

function sameValue(left: unknown, right: unknown): boolean {
  if (
    typeof left === 'string' &&
    typeof right === 'string' &&
    hexAddress.test(left) &&
    hexAddress.test(right)
  ) {
    return left.toLowerCase() === right.toLowerCase()
  }
  if (Array.isArray(left) || Array.isArray(right)) {
    if (!Array.isArray(left) || !Array.isArray(right) || left.length !== right.length) return false
    return left.every((item, index) => sameValue(item, right[index]))
  }
  if (typeof left === 'object' && left !== null && typeof right === 'object' && right !== null) {
    const leftEntries = Object.entries(left)
    if (leftEntries.length !== Object.keys(right).length) return false
    return leftEntries.every(([key, value]) =>
      sameValue(value, (right as Record<string, unknown>)[key]),
    )
  }
  return left === right
}

/**
 * Whether a payment's `accepted` is one of the offered requirements: every core field equal and
 * every `extra` field the seller declared present with the same value (the buyer may add keys).
 * Hex addresses compare without regard to checksum case.
 */
export function requirementsMatch(
  accepted: PaymentRequirements,
  offered: PaymentRequirements,
): boolean {
  const core = ['scheme', 'network', 'amount', 'asset', 'payTo', 'maxTimeoutSeconds'] as const
  if (!core.every((field) => sameValue(accepted[field], offered[field]))) return false
  const declared = offered.extra ?? {}
  const echoed = accepted.extra ?? {}
  return Object.entries(declared).every(([key, value]) => sameValue(echoed[key], value))
}

/** The offered requirement a payment pays, if any. */
export function findMatchingRequirements(
  payload: PaymentPayload,
  offered: readonly PaymentRequirements[],
): PaymentRequirements | undefined {
  return offered.find((requirements) => requirementsMatch(payload.accepted, requirements))
}

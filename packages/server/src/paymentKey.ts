import { sha256 } from '@noble/hashes/sha2'
import { bytesToHex } from '@noble/hashes/utils'
import type { PaymentRequirements, SchemeServer } from '@tollgate/core'

/**
 * A key for "this payment": what the scheme says identifies it (the signed content the chain can
 * execute at most once), so copies that differ in encoding or in fields nobody signed share it.
 * For a payload its scheme cannot read, the payload itself with keys sorted and hex lower-cased.
 */
export function paymentKey(
  requirements: PaymentRequirements,
  payload: unknown,
  scheme: SchemeServer | undefined,
): string {
  const where = `${requirements.scheme}|${requirements.network}`
  const signed = scheme?.paymentKey?.(payload, requirements)
  return signed === undefined ? `${where}|json|${canonicalJson(payload)}` : `${where}|${signed}`
}

/** Payment headers are parsed with a depth limit, so this recursion is bounded. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([left], [right]) =>
      left < right ? -1 : left > right ? 1 : 0,
    )
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  if (typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value))
    return JSON.stringify(value.toLowerCase())
  return JSON.stringify(value) ?? 'null'
}

/**
 * A digest of the payment header as presented: copies with other bytes (another id) differ. It is
 * compared only between presentations that name the same payment-identifier id, so the gate
 * computes it for those alone. Synchronous and portable: it runs on every identified request.
 */
export function payloadHash(header: string): string {
  return bytesToHex(sha256(new TextEncoder().encode(header)))
}

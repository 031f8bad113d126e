import { keccak_256 } from '@noble/hashes/sha3'
import { bytesToHex } from '@noble/hashes/utils'

/**
 * The AP2 x402 binding (AP2 v0.2 samples, the x402 credentials provider and PSP): the EIP-3009
 * authorization's nonce is keccak256 of the payment mandate chain's text, so the payment cannot
 * be moved to another mandate, nor the mandate to another payment.
 */
export function mandateNonce(chain: string): `0x${string}` {
  return `0x${bytesToHex(keccak_256(new TextEncoder().encode(chain)))}`
}

/** The payment extension that carries the chain beside the x402 payment. */
export const mandateExtensionKey = 'ap2-mandate'

export interface MandateExtension {
  payment_mandate_chain: string
}

/** The chain a payment carries, if it carries one. */
export function chainOf(payment: unknown): string | undefined {
  const extension = (payment as { extensions?: Record<string, unknown> } | null)?.extensions?.[
    mandateExtensionKey
  ] as Partial<MandateExtension> | undefined
  return typeof extension?.payment_mandate_chain === 'string'
    ? extension.payment_mandate_chain
    : undefined
}

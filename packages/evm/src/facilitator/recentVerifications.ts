import type { PaymentRequirements } from '@tollgate/core'
import type { Authorization } from '../exact/eip3009/payload.ts'
import { authorizationFields, type VerifiedPayment } from './verify.ts'

/**
 * Payments fully verified (signature and simulation) in the last moments. A resource server
 * verifies, runs its handler, then settles the same payment; settle then repeats only the checks
 * that need no RPC. A payer who moves funds in that window makes the transfer revert, which the
 * receipt reports (the reference never simulates at settle, so the window only narrows that risk).
 *
 * An entry is found only by the exact authorization (every field), signature and requirements it
 * verified: a copy with another nonce, payer, value or validity window under the same signature
 * was never verified, and its signature is checked afresh.
 */
export class RecentVerifications {
  readonly #entries = new Map<string, { verified: VerifiedPayment; atMs: number }>()

  constructor(
    readonly reuseMs: number,
    readonly nowMs: () => number,
    readonly entriesMax = 10_000,
  ) {}

  remember(requirements: PaymentRequirements, signature: string, verified: VerifiedPayment): void {
    if (this.reuseMs <= 0) return
    const key = fingerprint(requirements, verified.authorization, signature)
    this.#entries.delete(key)
    this.#entries.set(key, { verified, atMs: this.nowMs() })
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.entriesMax) break
      this.#entries.delete(oldest)
    }
  }

  /** The verification of this exact payment and requirement, if fresh; each is used once. */
  take(
    requirements: PaymentRequirements,
    authorization: Authorization,
    signature: string,
  ): VerifiedPayment | undefined {
    const key = fingerprint(requirements, authorization, signature)
    const entry = this.#entries.get(key)
    this.#entries.delete(key)
    if (!entry || this.nowMs() - entry.atMs > this.reuseMs) return undefined
    return entry.verified
  }
}

function fingerprint(
  requirements: PaymentRequirements,
  authorization: Authorization,
  signature: string,
): string {
  const { network, asset, payTo, amount, scheme } = requirements
  const { name, version } = requirements.extra ?? {}
  // Addresses and hex are compared without regard to case, every other field exactly.
  return JSON.stringify([
    scheme,
    network,
    asset.toLowerCase(),
    payTo.toLowerCase(),
    amount,
    name,
    version,
    ...authorizationFields.map((field) => authorization[field].toLowerCase()),
    signature.toLowerCase(),
  ])
}

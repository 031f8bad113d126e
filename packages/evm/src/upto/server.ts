import type { SchemeServer } from '@tollgate/core'
import { getAddress, isAddress } from 'viem'
import type { EvmAsset } from '../assets.ts'
import { uptoPermit2PayloadSchema } from '../exact/permit2/payload.ts'
import { exactEvmServer } from '../exact/server.ts'

export interface UptoEvmServerOptions {
  /** Asset per network used for dollar prices; merged over the default USDC table. */
  assets?: Readonly<Record<string, EvmAsset>>
}

/**
 * The seller's side of `upto` on EVM: a route's price is the most a request may cost; the buyer
 * permits that much through Permit2 for the facilitator the requirement names, and the handler
 * charges what it used with a `Settlement-Overrides` header (capped by the gate at the maximum).
 */
export function uptoEvmServer(options: UptoEvmServerOptions = {}): SchemeServer {
  const exact = exactEvmServer({ ...options, assetTransferMethod: 'permit2' })
  return {
    ...exact,
    scheme: 'upto',
    buildRequirements(input) {
      const price =
        typeof input.price === 'object'
          ? { ...input.price, extra: { ...input.price.extra, assetTransferMethod: 'permit2' } }
          : input.price
      const built = exact.buildRequirements({ ...input, price })
      return { ...built, scheme: 'upto' }
    },
    enhanceRequirements(requirements, kind) {
      const facilitator = kind.extra?.facilitatorAddress
      if (typeof facilitator !== 'string' || !isAddress(facilitator, { strict: false }))
        return requirements
      return {
        ...requirements,
        extra: { ...requirements.extra, facilitatorAddress: getAddress(facilitator) },
      }
    },
    paymentKey(payload) {
      // The same nonce space as exact Permit2 payments: one owner, one nonce, across tokens.
      const parsed = uptoPermit2PayloadSchema.safeParse(payload)
      if (!parsed.success) return undefined
      const { from, nonce } = parsed.data.permit2Authorization
      return `permit2|${from}|${BigInt(nonce)}`.toLowerCase()
    },
  }
}

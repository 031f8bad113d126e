/**
 * @module
 * The checks a request passes before its scheme sees it: the merchant's allow-lists, then the
 * compliance blocklist for payee and payer.
 */
import { type PaymentPayload, type PaymentRequirements, toCaip2 } from '@tollgate/core'
import type { PaymentScreen, ScreenRefusal } from '../facilitator.ts'
import type { MerchantAccess } from './apiKeys.ts'
import type { Blocklist } from './blocklist.ts'

export type BlockedParty = 'payer' | 'payee'

export function createPaymentScreen(options: {
  access?: MerchantAccess | undefined
  blocklist?: Blocklist | undefined
  onBlocked?: (party: BlockedParty) => void
}): PaymentScreen | undefined {
  const { access, blocklist } = options
  if (!access?.networks && !access?.assets && !access?.payTo && !blocklist) return undefined
  return async ({ payload, requirements }) => {
    const refusal = access ? checkAccess(access, requirements) : undefined
    if (refusal || !blocklist) return refusal
    const parties: Array<[BlockedParty, string | undefined]> = [
      ['payee', requirements.payTo],
      ['payer', payerOf(payload)],
    ]
    for (const [party, address] of parties) {
      if (address !== undefined && (await blocklist.isBlocked(address))) {
        options.onBlocked?.(party)
        return { code: 'ADDRESS_BLOCKED', message: `the ${party} address is blocked` }
      }
    }
    return undefined
  }
}

function checkAccess(
  access: MerchantAccess,
  requirements: PaymentRequirements,
): ScreenRefusal | undefined {
  if (access.networks) {
    const allowed = access.networks.map((network) => toCaip2(network) ?? network)
    if (!allowed.includes(requirements.network)) {
      return {
        code: 'NETWORK_UNSUPPORTED',
        message: `network ${requirements.network} is not enabled for this API key`,
      }
    }
  }
  if (access.assets) {
    const asset = assetKey(requirements.asset)
    if (!access.assets.some((allowed) => assetKey(allowed) === asset)) {
      return {
        code: 'ASSET_NOT_ALLOWED',
        message: `asset ${requirements.asset.slice(0, 128)} is not enabled for this API key`,
      }
    }
  }
  if (access.payTo) {
    const payee = assetKey(requirements.payTo)
    if (!access.payTo.some((allowed) => assetKey(allowed) === payee)) {
      return {
        code: 'PAYEE_NOT_ALLOWED',
        message: `payee ${requirements.payTo.slice(0, 128)} is not one of this API key's addresses`,
      }
    }
  }
  return undefined
}

/**
 * Hex addresses (EVM) compare case-insensitively; others (base58) exactly, since an allow-list
 * must never admit a different address.
 */
function assetKey(asset: string): string {
  return /^0x[0-9a-f]+$/i.test(asset) ? asset.toLowerCase() : asset
}

/** The payer of a payment when its scheme names one where EVM `exact` does (authorization.from). */
export function payerOf(payload: PaymentPayload): string | undefined {
  const authorization: unknown = payload.payload.authorization
  if (typeof authorization !== 'object' || authorization === null) return undefined
  const from: unknown = (authorization as { from?: unknown }).from
  return typeof from === 'string' ? from : undefined
}

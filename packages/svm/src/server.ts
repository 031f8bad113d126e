import { getBase64Decoder, getBase64Encoder, getTransactionDecoder, isAddress } from '@solana/kit'
import {
  type PaymentRequirements,
  type Price,
  type SchemeServer,
  type SupportedKind,
  TollgateError,
  toAtomicUnits,
} from '@tollgate/core'
import { defaultSvmAssets, findSvmAsset, isSolanaNetwork, type SvmAsset } from './assets.ts'
import { memoBytesMax } from './constants.ts'
import { exactSvmPayloadSchema } from './payload.ts'

export interface ExactSvmServerOptions {
  /** Asset per network used for dollar prices; merged over the default USDC table. */
  assets?: Readonly<Record<string, SvmAsset>>
}

/**
 * The seller's side of `exact` on Solana: a dollar price becomes atomic units of the network's
 * USDC. The fee payer is the facilitator's: `enhanceRequirements` copies `extra.feePayer` from
 * the facilitator's `/supported` kind, so buyers build the transaction for that fee payer.
 */
export function exactSvmServer(options: ExactSvmServerOptions = {}): SchemeServer {
  const assets: Record<string, SvmAsset> = { ...defaultSvmAssets, ...options.assets }
  return {
    scheme: 'exact',
    networks: ['solana:*'],
    buildRequirements({ network, price, payTo, maxTimeoutSeconds }) {
      if (!isSolanaNetwork(network)) {
        throw new TollgateError('NETWORK_UNSUPPORTED', `${network} is not a Solana network`)
      }
      if (!isAddress(payTo)) {
        throw new TollgateError('REQUIREMENTS_MALFORMED', `payTo ${payTo} is not a Solana address`)
      }
      const { amount, asset, extra } = resolvePrice(price, network, assets)
      return {
        scheme: 'exact',
        network,
        amount,
        asset,
        payTo,
        maxTimeoutSeconds,
        ...(extra ? { extra } : {}),
      }
    },
    enhanceRequirements(requirements: PaymentRequirements, kind: SupportedKind) {
      const feePayer = kind.extra?.feePayer
      if (typeof feePayer !== 'string' || !isAddress(feePayer)) return requirements
      return { ...requirements, extra: { ...requirements.extra, feePayer } }
    },
    assetDecimals(network, mint) {
      const asset = assets[network]
      if (asset && asset.address === mint) return asset.decimals
      return findSvmAsset(Object.values(assets), mint)?.decimals
    },
    paymentKey(payload) {
      // The buyer signs the message; the same message is the same payment, however it is wrapped.
      const parsed = exactSvmPayloadSchema.safeParse(payload)
      if (!parsed.success) return undefined
      try {
        const wire = getBase64Encoder().encode(parsed.data.transaction)
        return getBase64Decoder().decode(getTransactionDecoder().decode(wire).messageBytes)
      } catch {
        return undefined
      }
    },
  }
}

function resolvePrice(price: Price, network: string, assets: Record<string, SvmAsset>) {
  if (typeof price === 'object') {
    if (!isAddress(price.asset)) {
      throw new TollgateError('REQUIREMENTS_MALFORMED', `asset ${price.asset} is not a mint`)
    }
    if (!/^(0|[1-9][0-9]{0,19})$/.test(price.amount) || BigInt(price.amount) >= 2n ** 64n) {
      throw new TollgateError('REQUIREMENTS_MALFORMED', `amount ${price.amount} is not a u64`)
    }
    checkMemo(price.extra?.memo)
    return { amount: price.amount, asset: price.asset, extra: price.extra }
  }
  const asset = assets[network]
  if (!asset) {
    throw new TollgateError(
      'ASSET_NOT_ALLOWED',
      `no default asset for ${network}: configure one or give the price as {amount, asset}`,
    )
  }
  return {
    amount: toAtomicUnits(price, asset.decimals).toString(),
    asset: asset.address,
    extra: undefined,
  }
}

/** A seller memo is optional; when given it must fit the Memo instruction the client writes. */
function checkMemo(memo: unknown): void {
  if (memo === undefined) return
  const bytes = typeof memo === 'string' ? new TextEncoder().encode(memo).length : 0
  if (bytes === 0 || bytes > memoBytesMax) {
    throw new TollgateError(
      'REQUIREMENTS_MALFORMED',
      `extra.memo must be a string of 1 to ${memoBytesMax} UTF-8 bytes`,
    )
  }
}

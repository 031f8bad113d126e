import {
  evmChainId,
  type Price,
  type SchemeServer,
  TollgateError,
  toAtomicUnits,
} from '@tollgate/core'
import { getAddress, isAddress } from 'viem'
import { defaultEvmAssets, type EvmAsset, findAsset } from '../assets.ts'
import { exactEvmPayloadSchema } from './eip3009/payload.ts'
import { verifyAuthorizationLocally } from './eip3009/verifyLocally.ts'
import { exactPermit2PayloadSchema } from './permit2/payload.ts'

export interface ExactEvmServerOptions {
  /** Asset per network used for dollar prices; merged over the default USDC table. */
  assets?: Readonly<Record<string, EvmAsset>>
  /**
   * How buyers pay dollar prices: `eip3009` (a `transferWithAuthorization` signature; USDC and
   * other EIP-3009 tokens) or `permit2` (a Permit2 transfer through the x402 exact proxy; any
   * ERC-20, after the buyer's one-time approval of Permit2). A price given as
   * `{amount, asset, extra: {assetTransferMethod: 'permit2'}}` chooses per route.
   * @default 'eip3009'
   */
  assetTransferMethod?: 'eip3009' | 'permit2'
}

/**
 * The seller's side of `exact` on EVM: a dollar price becomes atomic units of the network's
 * default stablecoin, with its EIP-712 domain in `extra` so buyers can sign.
 */
export function exactEvmServer(options: ExactEvmServerOptions = {}): SchemeServer {
  const assets: Record<string, EvmAsset> = { ...defaultEvmAssets, ...options.assets }
  return {
    scheme: 'exact',
    networks: ['eip155:*'],
    buildRequirements({ network, price, payTo, maxTimeoutSeconds }) {
      if (evmChainId(network) === undefined) {
        throw new TollgateError(
          'NETWORK_UNSUPPORTED',
          `${network} is not an EVM network (eip155:<chainId>)`,
        )
      }
      if (!isAddress(payTo, { strict: false })) {
        throw new TollgateError('REQUIREMENTS_MALFORMED', `payTo ${payTo} is not an EVM address`)
      }
      const { amount, asset, extra } = resolvePrice(
        price,
        network,
        assets,
        options.assetTransferMethod ?? 'eip3009',
      )
      return {
        scheme: 'exact',
        network,
        amount,
        asset,
        payTo: getAddress(payTo),
        maxTimeoutSeconds,
        extra,
      }
    },
    assetDecimals(network, address) {
      const asset = assets[network]
      if (asset && asset.address.toLowerCase() === address.toLowerCase()) return asset.decimals
      return findAsset(Object.values(assets), address)?.decimals
    },
    verifyLocally: (payload, requirements, nowSeconds) =>
      verifyAuthorizationLocally(payload, requirements, nowSeconds),
    paymentKey(payload, requirements) {
      // Permit2 keeps one nonce space per owner across all tokens.
      const permit2 = exactPermit2PayloadSchema.safeParse(payload)
      if (permit2.success) {
        const { from, nonce } = permit2.data.permit2Authorization
        return `permit2|${from}|${BigInt(nonce)}`.toLowerCase()
      }
      // EIP-3009: a token executes one authorization per payer and nonce, whatever else differs.
      const parsed = exactEvmPayloadSchema.safeParse(payload)
      if (!parsed.success) return undefined
      const { from, nonce } = parsed.data.authorization
      return `${requirements.asset}|${from}|${nonce}`.toLowerCase()
    },
  }
}

function resolvePrice(
  price: Price,
  network: string,
  assets: Record<string, EvmAsset>,
  transferMethod: 'eip3009' | 'permit2',
) {
  if (typeof price === 'object') {
    if (!isAddress(price.asset, { strict: false })) {
      throw new TollgateError(
        'REQUIREMENTS_MALFORMED',
        `asset ${price.asset} is not an EVM address`,
      )
    }
    const known = findAsset(Object.values(assets), price.asset)
    const permit2 = price.extra?.assetTransferMethod === 'permit2'
    // A Permit2 payment signs for Permit2's domain, not the token's: no name or version needed.
    const domain = known && !permit2 ? { name: known.name, version: known.version } : {}
    const extra = { ...domain, ...price.extra }
    if (!permit2 && (typeof extra.name !== 'string' || typeof extra.version !== 'string')) {
      throw new TollgateError(
        'EVM_EXACT_EIP712_DOMAIN_MISSING',
        `asset ${price.asset} is unknown: give extra.name and extra.version (its EIP-712 domain)`,
      )
    }
    if (!/^(0|[1-9][0-9]{0,77})$/.test(price.amount)) {
      throw new TollgateError(
        'REQUIREMENTS_MALFORMED',
        `amount ${price.amount} is not atomic units`,
      )
    }
    return { amount: price.amount, asset: getAddress(price.asset), extra }
  }
  const asset = assets[network]
  if (!asset) {
    throw new TollgateError(
      'ASSET_NOT_ALLOWED',
      `no default asset for ${network}: configure one or give the price as {amount, asset, extra}`,
    )
  }
  return {
    amount: toAtomicUnits(price, asset.decimals).toString(),
    asset: asset.address,
    extra:
      transferMethod === 'permit2'
        ? { assetTransferMethod: 'permit2' }
        : { name: asset.name, version: asset.version },
  }
}

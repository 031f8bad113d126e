import {
  evmChainId,
  mergeAssetTables,
  type PaymentContext,
  type PaymentRequirements,
  type SchemeClient,
  TollgateError,
} from '@tollgate/core'
import {
  type Address,
  bytesToHex,
  createPublicClient,
  getAddress,
  type Hex,
  http,
  isAddress,
  type PublicClient,
} from 'viem'
import { eip3009Abi } from '../abi.ts'
import { defaultEvmAssets, type EvmAsset } from '../assets.ts'
import type { EvmSigner } from '../signer.ts'
import type { Authorization } from './eip3009/payload.ts'
import { authorizationTypedData } from './eip3009/typedData.ts'
import { signExactPermit2 } from './permit2/sign.ts'

export interface ExactEvmClientOptions {
  signer: EvmSigner
  /** @default ['eip155:*'] */
  networks?: readonly string[]
  /**
   * Assets this client recognises, per network, beside the default USDC table: one or a list.
   * They join the defaults (a devnet's test token on Base Sepolia's id leaves Circle's USDC known).
   */
  assets?: Readonly<Record<string, EvmAsset | readonly EvmAsset[]>>
  /**
   * JSON-RPC URLs by CAIP-2 network. With one for a requirement's network, the client can read
   * the buyer's token balance (`balanceOf`), so a buyer offered several ways to pay picks one it
   * can afford. Signing needs no RPC.
   */
  rpcUrls?: Readonly<Record<string, string>>
  /** Seconds since the epoch; injected for tests. */
  now?: () => number
}

/** A balance read slower than this counts as unknown rather than holding the payment up. */
const balanceTimeoutMs = 3_000

/**
 * The buyer's side of `exact` on EVM: signs an EIP-3009 `transferWithAuthorization` for exactly
 * the required amount to exactly the required payee, valid from now until the timeout; or, when
 * the requirement says `extra.assetTransferMethod: "permit2"`, a Permit2 transfer of the same
 * amount through the exact proxy (the payer must have approved Permit2 for the token once).
 */
export function exactEvmClient(options: ExactEvmClientOptions): SchemeClient {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const assets = mergeAssetTables(defaultEvmAssets, options.assets)
  const balances = options.rpcUrls ? balanceReader(options.signer.address, options.rpcUrls) : {}
  return {
    ...balances,
    scheme: 'exact',
    networks: options.networks ?? ['eip155:*'],
    async createPayload(requirements: PaymentRequirements, context: PaymentContext) {
      const chainId = evmChainId(requirements.network)
      if (chainId === undefined) {
        throw new TollgateError(
          'NETWORK_UNSUPPORTED',
          `${requirements.network} is not an EVM network`,
        )
      }
      if (requirements.extra?.assetTransferMethod === 'permit2') {
        if (context.nonce !== undefined)
          throw new TollgateError(
            'PAYLOAD_TYPE_UNSUPPORTED',
            'a bound nonce (an AP2 mandate) needs an EIP-3009 payment; this one is Permit2',
          )
        return signExactPermit2(options.signer, requirements, chainId, now())
      }
      const name = requirements.extra?.name
      const version = requirements.extra?.version
      if (typeof name !== 'string' || typeof version !== 'string') {
        throw new TollgateError(
          'EVM_EXACT_EIP712_DOMAIN_MISSING',
          'the requirement has no extra.name/extra.version (the token EIP-712 domain) to sign for',
        )
      }
      const authorization: Authorization = {
        from: options.signer.address,
        to: getAddress(requirements.payTo),
        value: requirements.amount,
        // "0" rather than now-minus-a-margin: clocks that disagree can then never make it early.
        validAfter: '0',
        validBefore: String(now() + requirements.maxTimeoutSeconds),
        nonce: boundNonce(context.nonce) ?? bytesToHex(crypto.getRandomValues(new Uint8Array(32))),
      }
      const domain = { name, version, chainId, verifyingContract: getAddress(requirements.asset) }
      const signature = await options.signer.signTypedData(
        authorizationTypedData(domain, authorization),
      )
      return { signature, authorization }
    },
    describeAsset(network, address) {
      const asset = assets
        .get(network)
        ?.find((candidate) => candidate.address.toLowerCase() === address.toLowerCase())
      if (!asset) return undefined
      return {
        symbol: asset.symbol ?? asset.name,
        decimals: asset.decimals,
        usdPegged: isUsdStable(asset),
      }
    },
  }
}

function boundNonce(nonce: string | undefined): Hex | undefined {
  if (nonce === undefined) return undefined
  if (!/^0x[0-9a-fA-F]{64}$/.test(nonce))
    throw new TollgateError(
      'PAYLOAD_MALFORMED',
      `a bound nonce must be 32 bytes of hex, not ${nonce}`,
    )
  return nonce as Hex
}

/** `balanceOf` over the configured RPCs: the buyer's ERC-20 balance, one client per network. */
function balanceReader(
  owner: Address,
  rpcUrls: Readonly<Record<string, string>>,
): Pick<SchemeClient, 'balanceOf'> {
  const clients = new Map<string, PublicClient>()
  return {
    async balanceOf(requirements) {
      const url = rpcUrls[requirements.network]
      if (!url || !isAddress(requirements.asset)) return undefined
      let client = clients.get(url)
      if (!client) {
        client = createPublicClient({
          transport: http(url, { timeout: balanceTimeoutMs, retryCount: 0 }),
        })
        clients.set(url, client)
      }
      try {
        return await client.readContract({
          address: requirements.asset,
          abi: eip3009Abi,
          functionName: 'balanceOf',
          args: [owner],
        })
      } catch {
        return undefined
      }
    },
  }
}

/** USDC, USDT0 and friends: the symbols the default table and devnets use for dollar tokens. */
function isUsdStable(asset: EvmAsset): boolean {
  return /^(usdc|usdt0?|usd coin|pyusd|usdg)$/i.test(asset.symbol ?? asset.name)
}

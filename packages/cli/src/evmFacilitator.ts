import { type EvmAsset, exactEvmFacilitator } from '@tollgate/evm'
import { createFacilitatorApp, Facilitator, type Logger } from '@tollgate/facilitator'
import type { Hono } from 'hono'
import { type Chain, createPublicClient, type Hex, http, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'

export interface EvmNetworkSetup {
  network: string
  rpcUrl: string
  signerKeys: readonly Hex[]
  assets: readonly EvmAsset[]
  chain?: Chain | undefined
}

/**
 * A public client for a facilitator. Concurrent reads go out as parallel requests on kept-alive
 * connections; JSON-RPC batching would add a timer tick of latency to every call.
 */
export function rpcClient(rpcUrl: string, chain?: Chain): PublicClient {
  return createPublicClient({
    ...(chain ? { chain } : {}),
    transport: http(rpcUrl, { timeout: 10_000, retryCount: 1 }),
  })
}

/** Wires the EVM exact scheme into a facilitator and its HTTP app. */
export function buildEvmFacilitator(options: {
  networks: readonly EvmNetworkSetup[]
  logger?: Logger
  receiptTimeoutMs?: number
}): { facilitator: Facilitator; app: Hono } {
  const scheme = exactEvmFacilitator({
    networks: options.networks.map((setup) => ({
      network: setup.network,
      client: rpcClient(setup.rpcUrl, setup.chain),
      signers: setup.signerKeys.map((key) => privateKeyToAccount(key)),
      assets: setup.assets,
    })),
    ...(options.receiptTimeoutMs ? { receiptTimeoutMs: options.receiptTimeoutMs } : {}),
  })
  const facilitator = new Facilitator({
    schemes: [scheme],
    ...(options.logger ? { logger: options.logger } : {}),
  })
  return { facilitator, app: createFacilitatorApp(facilitator) }
}

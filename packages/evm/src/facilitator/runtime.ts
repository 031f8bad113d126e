import { evmChainId, TollgateError } from '@tollgate/core'
import type { Address, LocalAccount, PublicClient } from 'viem'
import type { EvmAsset } from '../assets.ts'
import type { FacilitatorClock } from './clock.ts'
import { type NetworkFinality, networkFinality } from './finalityDefaults.ts'
import type { EvmNetworkOptions } from './options.ts'
import { SimulationBatcher } from './simulationBatcher.ts'

/** What the facilitator knows about one network while it runs. */
export interface NetworkRuntime {
  network: string
  chainId: number
  client: PublicClient
  signers: readonly LocalAccount[]
  assets: readonly EvmAsset[]
  eip6492AllowedFactories: ReadonlySet<string>
  multicall3: Address | undefined
  /** Assets seen to have code. A deployed token does not disappear, so this is never evicted. */
  deployedAssets: Set<string>
  /** Shares simulation round trips between verifications (needs Multicall3). */
  simulations: SimulationBatcher | undefined
  /** When a settlement counts as confirmed, and how far back reorganisations are looked for. */
  finality: NetworkFinality
  clock: FacilitatorClock
}

export function createNetworkRuntime(
  options: EvmNetworkOptions,
  clock: FacilitatorClock,
): NetworkRuntime {
  const chainId = evmChainId(options.network)
  if (chainId === undefined) {
    throw new TollgateError('NETWORK_UNSUPPORTED', `${options.network} is not an eip155 network`)
  }
  if (options.signers.length === 0) {
    throw new TollgateError(
      'NETWORK_UNSUPPORTED',
      `${options.network} has no signer to settle with`,
    )
  }
  return {
    network: options.network,
    chainId,
    client: options.client,
    signers: options.signers,
    assets: options.assets,
    eip6492AllowedFactories: new Set(
      (options.eip6492AllowedFactories ?? []).map((a) => a.toLowerCase()),
    ),
    multicall3: options.multicall3,
    deployedAssets: new Set(),
    finality: networkFinality(options.network, options),
    clock,
    simulations: options.multicall3
      ? new SimulationBatcher({
          client: options.client,
          multicall3: options.multicall3,
          from: options.signers[0]!.address,
        })
      : undefined,
  }
}

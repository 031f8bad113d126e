import { devnetChain } from '@tollgate/devnet'
import type { DevManifest } from '@tollgate/manifest'
import { TrustClient } from '@tollgate/trust'
import { type Address, createPublicClient, createWalletClient, http } from 'viem'
import type { PrivateKeyAccount } from 'viem/accounts'

/** @tollgate/trust on the dev stack's ERC-8004 registries; it signs as `signer` when given. */
export function trustClientFor(manifest: DevManifest, signer?: PrivateKeyAccount): TrustClient {
  const registries = manifest.erc8004
  if (!registries) throw new Error('the dev manifest names no ERC-8004 registries')
  const chain = devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3 as Address)
  return new TrustClient({
    publicClient: createPublicClient({ chain, transport: http(), pollingInterval: 50 }),
    walletClient: signer
      ? createWalletClient({ account: signer, chain, transport: http() })
      : undefined,
    registries,
  })
}

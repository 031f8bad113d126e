import type { ReadinessCheck } from '@tollgate/core'
import { formatEther } from 'viem'
import type { NetworkRuntime } from './runtime.ts'

/**
 * A network is ready when its RPC answers with the expected chain id and every signer holds
 * at least `minimumBalanceWei` for gas.
 */
export async function checkNetworkReadiness(
  runtime: NetworkRuntime,
  minimumBalanceWei: bigint,
): Promise<ReadinessCheck> {
  try {
    const [chainId, ...balances] = await Promise.all([
      runtime.client.getChainId(),
      ...runtime.signers.map((signer) => runtime.client.getBalance({ address: signer.address })),
    ])
    const signers = Object.fromEntries(
      runtime.signers.map((signer, index) => [signer.address, formatEther(balances[index]!)]),
    )
    if (chainId !== runtime.chainId) {
      return {
        network: runtime.network,
        ok: false,
        message: `RPC serves chain ${chainId}, expected ${runtime.chainId}`,
      }
    }
    const low = runtime.signers.filter((_, index) => balances[index]! < minimumBalanceWei)
    return {
      network: runtime.network,
      ok: low.length === 0,
      ...(low.length
        ? {
            message: `signer balance below ${formatEther(minimumBalanceWei)} ETH: ${low.map((s) => s.address).join(', ')}`,
          }
        : {}),
      signerBalances: Object.fromEntries(
        runtime.signers.map((signer, index) => [signer.address, balances[index]!.toString()]),
      ),
      details: { signerBalancesEth: signers },
    }
  } catch (error) {
    return {
      network: runtime.network,
      ok: false,
      message: `RPC unreachable: ${(error as Error).message.split('\n')[0]}`,
    }
  }
}

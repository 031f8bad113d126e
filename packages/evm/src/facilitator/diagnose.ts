import type { ErrorCode } from '@tollgate/core'
import type { Address, Hex } from 'viem'
import { eip3009Abi } from '../abi.ts'
import type { Authorization } from '../exact/eip3009/payload.ts'
import type { NetworkRuntime } from './runtime.ts'

/**
 * Why a simulated transfer reverts, read from the token: EIP-3009 support, nonce state, domain
 * name and version, balance. The reads go out at the same time.
 */
export async function diagnoseTransferFailure(
  runtime: NetworkRuntime,
  asset: Address,
  authorization: Authorization,
  /** The EIP-712 domain the payment was signed for; without it, name and version are not judged. */
  domain?: { name: string; version: string },
): Promise<ErrorCode> {
  const from = authorization.from as Address
  const token = { address: asset, abi: eip3009Abi } as const
  const [used, name, version, balance] = await Promise.allSettled([
    runtime.client.readContract({
      ...token,
      functionName: 'authorizationState',
      args: [from, authorization.nonce as Hex],
    }),
    runtime.client.readContract({ ...token, functionName: 'name' }),
    runtime.client.readContract({ ...token, functionName: 'version' }),
    runtime.client.readContract({ ...token, functionName: 'balanceOf', args: [from] }),
  ])
  if (used.status === 'rejected') return 'EVM_EXACT_EIP3009_UNSUPPORTED'
  if (used.value) return 'EVM_EXACT_NONCE_USED'
  if (domain && name.status === 'fulfilled' && name.value !== domain.name)
    return 'EVM_EXACT_TOKEN_NAME_MISMATCH'
  if (domain && version.status === 'fulfilled' && version.value !== domain.version)
    return 'EVM_EXACT_TOKEN_VERSION_MISMATCH'
  if (balance.status === 'fulfilled' && balance.value < BigInt(authorization.value)) {
    return 'EVM_EXACT_BALANCE_INSUFFICIENT'
  }
  return 'EVM_EXACT_SIMULATION_FAILED'
}

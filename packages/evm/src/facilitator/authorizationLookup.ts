import { type Address, type Hex, parseEventLogs } from 'viem'
import { eip3009Abi } from '../abi.ts'
import type { NetworkRuntime } from './runtime.ts'

/**
 * Whether an authorization was used on chain, and by which transaction. A front-runner (or
 * another facilitator) may submit a payer's authorization first: the payee is paid all the same,
 * and the payment is reported settled by that transaction.
 */
export async function findAuthorizationUse(
  runtime: NetworkRuntime,
  asset: Address,
  authorizer: Address,
  nonce: Hex,
  fromBlock: bigint,
): Promise<{ used: false } | { used: true; transaction: Hex | undefined }> {
  const used = await runtime.client.readContract({
    address: asset,
    abi: eip3009Abi,
    functionName: 'authorizationState',
    args: [authorizer, nonce],
  })
  if (!used) return { used: false }
  const logs = await runtime.client.getLogs({
    address: asset,
    event: eip3009Abi.find((item) => item.type === 'event' && item.name === 'AuthorizationUsed')!,
    args: { authorizer, nonce },
    fromBlock,
  })
  const [log] = parseEventLogs({ abi: eip3009Abi, eventName: 'AuthorizationUsed', logs })
  // Used without an AuthorizationUsed log in range means it was cancelled, not paid.
  return { used: true, transaction: log?.transactionHash ?? undefined }
}

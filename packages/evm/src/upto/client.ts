import { evmChainId, type SchemeClient, TollgateError } from '@tollgate/core'
import { type ExactEvmClientOptions, exactEvmClient } from '../exact/client.ts'
import { signUptoPermit2 } from '../exact/permit2/sign.ts'

export type UptoEvmClientOptions = ExactEvmClientOptions

/**
 * The buyer's side of `upto` on EVM: permits at most the required amount through Permit2, for
 * the facilitator the requirement names (only it may settle); the seller charges what was used.
 * A wallet counts the payment at that maximum. The payer must have approved Permit2 once.
 */
export function uptoEvmClient(options: UptoEvmClientOptions): SchemeClient {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const exact = exactEvmClient(options)
  return {
    ...exact,
    scheme: 'upto',
    async createPayload(requirements) {
      const chainId = evmChainId(requirements.network)
      if (chainId === undefined) {
        throw new TollgateError(
          'NETWORK_UNSUPPORTED',
          `${requirements.network} is not an EVM network`,
        )
      }
      return signUptoPermit2(options.signer, requirements, chainId, now())
    },
  }
}

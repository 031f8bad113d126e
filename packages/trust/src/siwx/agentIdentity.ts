import type { PaymentRequired } from '@tollgate/core'
import { agentIdentityDeclaration } from './agentCaller.ts'
import { type EvmMessageSigner, signSiwxChallenge } from './signatures.ts'
import { encodeSiwxHeader, SIGN_IN_WITH_X, siwxExtensionSchema } from './wire.ts'

export interface AgentIdentityOptions {
  /** The agent wallet: the key `getAgentWallet(agentId)` names, which also signs the payments. */
  signer: EvmMessageSigner
  /** `eip155:<chainId>:<identityRegistry>`. */
  agentRegistry: string
  agentId: bigint
}

/**
 * The `identify` hook of `wrapFetch` for an ERC-8004 agent: every payment declares the agent,
 * and where a 402 offers sign-in-with-x on the agent's chain, the agent wallet signs in for
 * that one operation, so a server with a credit line may serve it before settlement.
 */
export function agentIdentity(options: AgentIdentityOptions) {
  const chainId = options.agentRegistry.split(':').slice(0, 2).join(':')
  const extensions = agentIdentityDeclaration({
    agentRegistry: options.agentRegistry,
    agentId: options.agentId,
  })
  return async (required: PaymentRequired, url: string) => {
    const offered = siwxExtensionSchema.safeParse(required.extensions?.[SIGN_IN_WITH_X])
    const chain = offered.success
      ? offered.data.supportedChains.find((one) => one.chainId === chainId && one.type === 'eip191')
      : undefined
    // A challenge for another site is not signed: it could be replayed there.
    if (!offered.success || !chain || !boundTo(offered.data.info, url)) return { extensions }
    const payload = await signSiwxChallenge({ ...offered.data.info, ...chain }, options.signer)
    return { extensions, headers: { [SIGN_IN_WITH_X]: encodeSiwxHeader(payload) } }
  }
}

function boundTo(info: { domain: string; uri: string }, url: string): boolean {
  try {
    const asked = new URL(url)
    return info.domain === asked.host && new URL(info.uri).origin === asked.origin
  } catch {
    return false
  }
}

import type { Address, Hex } from 'viem'

/** Where the three registries live on the client's chain. */
export interface Registries {
  identityRegistry: Address
  reputationRegistry: Address
  validationRegistry?: Address | undefined
}

/** An agent as the identity registry knows it. */
export interface AgentIdentity {
  agentId: bigint
  /** `eip155:<chainId>:<identityRegistry>`, the agent's global namespace. */
  agentRegistry: string
  owner: Address
  agentURI: string
  /** The verified wallet, absent once unset or after a transfer. */
  wallet: Address | undefined
}

/** One feedback, from storage and from its `NewFeedback` event. */
export interface FeedbackRecord {
  agentId: bigint
  client: Address
  feedbackIndex: bigint
  /** The value as a decimal string, e.g. `"99.77"`. */
  value: string
  rawValue: bigint
  valueDecimals: number
  tag1: string
  tag2: string
  isRevoked: boolean
  endpoint: string
  feedbackURI: string
  feedbackHash: Hex
  transaction: Hex | undefined
}

export interface Reputation {
  count: number
  /** The average as a decimal string (`"93"`, `"78.92"`); `"0"` without feedback. */
  value: string
  summaryValue: bigint
  valueDecimals: number
}

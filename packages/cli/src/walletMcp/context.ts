import type { EvmAsset } from '@tollgate/evm'
import type { AgentWallet } from '../agentWallet.ts'

/** What the wallet's MCP tools work with. */
export interface WalletMcpContext {
  wallet: AgentWallet
  /** Networks whose balances `balance` reads, with their RPC endpoints and assets. */
  networks: Record<string, { rpcUrl: string; asset: EvmAsset }>
  /** The facilitator `discover` searches and `tip` settles through. */
  facilitatorUrl?: string | undefined
  fetch?: typeof fetch
  /** The AP2 mandate `hire_agent` pays within, when the owner gave one. */
  mandate?: { file?: string | undefined; agentKey?: string | undefined } | undefined
}

/** Bodies longer than this are cut in a tool result, so one answer cannot flood the model. */
export const bodyLengthMax = 100_000

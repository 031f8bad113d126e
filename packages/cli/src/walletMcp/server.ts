import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { registerA2aTool } from './a2aTool.ts'
import type { WalletMcpContext } from './context.ts'
import { registerInfoTools } from './infoTools.ts'
import { registerPayTools } from './payTools.ts'
import { registerTipTool } from './tipTool.ts'

export type { WalletMcpContext } from './context.ts'

/**
 * The agent's wallet as an MCP server: `fetch`, `call_paid_tool`, `hire_agent`, `balance`,
 * `spending`, `discover` and `tip`. Every payment goes through the wallet's spending policy and store; no
 * result carries a key or a signed payload.
 */
export function createWalletMcpServer(context: WalletMcpContext): McpServer {
  const server = new McpServer(
    { name: 'tollgate-wallet', version: '0.1.0' },
    {
      instructions:
        'A USDC wallet for paid APIs (x402). Use `fetch` for URLs that may ask for payment, `call_paid_tool` for tools on paid MCP servers, `hire_agent` to give a task to another agent (A2A), `discover` to find paid services, `spending` and `balance` to see what is left. Payments beyond the owner’s policy are refused; only the owner can raise the limits.',
    },
  )
  registerPayTools(server, context)
  registerInfoTools(server, context)
  registerTipTool(server, context)
  registerA2aTool(server, context)
  return server
}

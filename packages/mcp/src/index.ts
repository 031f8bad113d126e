// biome-ignore-all lint/performance/noBarrelFile: the package entrypoint
/**
 * @module @tollgate/mcp
 * x402 over MCP: paid tools for servers built with `@modelcontextprotocol/sdk`, and a payer that
 * calls them within a spending policy.
 */
export { callPaidTool, judgeToolResult, type PaidToolCall } from './mcpPayer.ts'
export {
  type PaidTools,
  type PaidToolsOptions,
  paidTools,
  type ToolConfig,
  type ToolPricing,
} from './paidTools.ts'
export {
  mcpPaymentMetaKey,
  mcpPaymentResponseMetaKey,
  paymentRequiredResult,
  readPaymentMeta,
  readPaymentRequired,
  readPaymentResponse,
} from './paymentResults.ts'
export { serveStatelessMcp } from './statelessHttp.ts'
export type { ToolDiscovery } from './toolDiscovery.ts'

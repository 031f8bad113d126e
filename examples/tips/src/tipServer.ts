import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { type PayerOptions, payDirectly } from '@tollgate/client'
import {
  type FacilitatorClient,
  formatAtomicUnits,
  isTollgateError,
  type PaymentRequired,
  toAtomicUnits,
} from '@tollgate/core'
import type { EvmAsset } from '@tollgate/evm'
import type { TrustClient } from '@tollgate/trust'
import { z } from 'zod'
import { type Creators, resolveCreator, UnknownCreator } from './creators.ts'

export { type Creators, readCreators, resolveCreator, UnknownCreator } from './creators.ts'

export interface TipServerOptions {
  creators: Creators
  /** The wallet: its schemes, policy and spending guard decide every tip. */
  payer: PayerOptions
  facilitator: FacilitatorClient
  network: string
  asset: EvmAsset
  /** Resolves `agentId` creators to their ERC-8004 agent wallet. */
  trust?: TrustClient | undefined
}

const text = (
  value: string,
  structured: Record<string, unknown>,
  isError = false,
): CallToolResult => ({
  content: [{ type: 'text', text: value }],
  structuredContent: structured,
  ...(isError ? { isError: true } : {}),
})

/**
 * An MCP server for tipping creators by handle, in USDC: `creators` lists who can be tipped,
 * `tip {handle, amount, note?}` resolves the handle (the registry, or an ERC-8004 agent's wallet)
 * and pays through the facilitator, within the wallet's policy and budget. A tip the policy does
 * not allow is refused before anything is signed.
 */
export function createTipServer(options: TipServerOptions): McpServer {
  const server = new McpServer({ name: 'tips', version: '0.1.0' })
  const { asset } = options
  server.registerTool(
    'creators',
    {
      title: 'Creators you can tip',
      description: 'The handles this server can tip, and who they are.',
    },
    async () => {
      const list = Object.entries(options.creators).map(([handle, creator]) => ({
        handle: `@${handle}`,
        ...(creator.name ? { name: creator.name } : {}),
        via: 'agentId' in creator ? `ERC-8004 agent ${creator.agentId}` : 'address',
      }))
      return text(
        list.map((item) => `${item.handle}${item.name ? `: ${item.name}` : ''}`).join('\n'),
        { creators: list },
      )
    },
  )
  server.registerTool(
    'tip',
    {
      title: 'Tip a creator',
      description:
        'Sends a USDC tip to a creator by handle (e.g. @alice), within the wallet’s spending policy.',
      inputSchema: {
        handle: z.string().min(1).max(41).describe('The creator’s handle, e.g. @alice'),
        amount: z
          .string()
          .regex(/^\$?\d+(\.\d{1,6})?$/, 'a dollar amount such as 0.01')
          .describe('Dollars, e.g. "0.01"'),
        note: z.string().max(200).optional().describe('Why, recorded with the payment'),
      },
    },
    async ({ handle, amount, note }) => {
      let creator: Awaited<ReturnType<typeof resolveCreator>>
      try {
        creator = await resolveCreator(options.creators, handle, options.trust)
      } catch (error) {
        const message =
          error instanceof UnknownCreator
            ? error.message
            : `cannot resolve ${handle}: ${(error as Error).message}`
        return text(message, { error: message }, true)
      }
      const atomic = toAtomicUnits(amount.replace(/^\$/, ''), asset.decimals)
      const url = `tip://${creator.handle}`
      const required: PaymentRequired = {
        x402Version: 2,
        resource: { url, ...(note ? { description: note } : {}) },
        accepts: [
          {
            scheme: 'exact',
            network: options.network,
            amount: atomic.toString(),
            asset: asset.address,
            payTo: creator.address,
            maxTimeoutSeconds: 300,
            extra: { name: asset.name, version: asset.version },
          },
        ],
      }
      const shown = `${formatAtomicUnits(atomic, asset.decimals)} ${asset.symbol ?? 'USDC'}`
      try {
        const outcome = await payDirectly(options.facilitator, required, options.payer)
        const to = `@${creator.handle} (${creator.address}${creator.agentId ? `, ERC-8004 agent ${creator.agentId}` : ''})`
        if (outcome.state !== 'settled') {
          const message = `the tip of ${shown} to ${to} did not settle: ${outcome.reason}`
          return text(message, { error: message, state: outcome.state }, true)
        }
        return text(`Tipped ${to} ${shown}: tx ${outcome.receipt?.transaction ?? '(no receipt)'}`, {
          handle: `@${creator.handle}`,
          address: creator.address,
          ...(creator.agentId ? { agentId: creator.agentId } : {}),
          amount: shown,
          transaction: outcome.receipt?.transaction ?? '',
        })
      } catch (error) {
        const message = isTollgateError(error)
          ? error.message
          : `the tip failed: ${(error as Error).message}`
        return text(message, { error: message }, true)
      }
    },
  )
  return server
}

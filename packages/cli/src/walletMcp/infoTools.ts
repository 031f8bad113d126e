import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { formatAtomicUnits } from '@tollgate/core'
import { rpcClient } from '@tollgate/evm'
import { type Budget, describeBudget, formatUsd, hostOf } from '@tollgate/wallet'
import { z } from 'zod'
import { readBalances } from '../actions/walletBalance.ts'
import type { WalletMcpContext } from './context.ts'
import { answer, messageOf, refusal } from './toolResults.ts'

export function registerInfoTools(server: McpServer, context: WalletMcpContext): void {
  const { wallet } = context
  server.registerTool(
    'balance',
    {
      title: 'Wallet balance',
      description: 'The wallet’s address and its USDC and gas balances on each configured network.',
    },
    async () => {
      const address = wallet.signer.address
      const balances = await Promise.all(
        Object.entries(context.networks).map(async ([network, { rpcUrl, asset }]) => {
          try {
            const read = await readBalances(rpcClient(rpcUrl), address, {
              rpcUrl,
              asset: asset.address,
            })
            return {
              network,
              asset: read.token?.symbol ?? asset.symbol ?? 'USDC',
              balance: read.token?.amount ?? '0',
              gas: read.native.amount,
            }
          } catch (error) {
            return { network, error: `cannot read the balance: ${messageOf(error)}` }
          }
        }),
      )
      const lines = balances.map((entry) =>
        'error' in entry
          ? `${entry.network}: ${entry.error}`
          : `${entry.network}: ${entry.balance} ${entry.asset} (gas ${entry.gas})`,
      )
      const text =
        balances.length === 0
          ? `Address ${address}. No network is configured to read balances from (give --manifest or --networks).`
          : `Address ${address}.\n${lines.join('\n')}`
      return answer(text, { address, balances })
    },
  )

  server.registerTool(
    'spending',
    {
      title: 'What the wallet spent',
      description:
        'Recent payments (what, where, when, state, transaction) and how much of each budget and cap is used.',
      inputSchema: { limit: z.number().int().min(1).max(200).default(20) },
    },
    async ({ limit }) => {
      const { policy, store } = wallet
      const payments = await store.list({ limit })
      const budgets = await Promise.all(policy.budgets.map((budget) => budgetUse(budget, context)))
      const cap = policy.maxPayment === undefined ? '0.10' : formatUsd(policy.maxPayment)
      const lines = [
        `Per-payment cap: $${cap}.`,
        ...budgets.flat().map((use) => `${use.budget}: $${use.spent} spent, $${use.left} left.`),
        payments.length === 0 ? 'No payments yet.' : `Last ${payments.length} payments:`,
        ...payments.map(
          (payment) =>
            `${payment.createdAt} ${payment.state} $${payment.usd} to ${payment.host} (${payment.url})${payment.transaction ? ` tx ${payment.transaction}` : ''}${payment.reason ? ` — ${payment.reason}` : ''}`,
        ),
      ]
      return answer(lines.join('\n'), {
        maxPaymentUsd: cap,
        ...(policy.approvalAbove === undefined
          ? {}
          : { approvalAboveUsd: formatUsd(policy.approvalAbove) }),
        budgets: budgets.flat(),
        payments,
      })
    },
  )

  server.registerTool(
    'discover',
    {
      title: 'Find paid APIs and tools',
      description:
        'Searches the facilitator’s catalogue of paid resources (x402 bazaar) by keywords: what each one does, its price and network, and how to call it.',
      inputSchema: {
        query: z.string().min(1).max(256).describe('Keywords, e.g. "weather forecast"'),
        type: z.enum(['http', 'mcp']).optional(),
        network: z.string().optional().describe('CAIP-2 network, e.g. eip155:8453'),
        limit: z.number().int().min(1).max(50).default(10),
      },
    },
    async ({ query, type, network, limit }) => {
      if (!context.facilitatorUrl)
        return refusal(
          'no facilitator is configured to search: give --facilitator-url or --manifest',
        )
      const url = new URL('/discovery/search', context.facilitatorUrl)
      url.searchParams.set('query', query)
      url.searchParams.set('limit', String(limit))
      if (type) url.searchParams.set('type', type)
      if (network) url.searchParams.set('network', network)
      let body: { resources?: Record<string, unknown>[]; message?: string }
      try {
        const response = await (context.fetch ?? fetch)(url)
        body = (await response.json()) as typeof body
        if (!response.ok)
          return refusal(`the catalogue refused the search: ${body.message ?? response.status}`)
      } catch (error) {
        return refusal(
          `cannot search the catalogue at ${context.facilitatorUrl}: ${messageOf(error)}`,
        )
      }
      const resources = (body.resources ?? []).map((item) => summarise(item, context))
      const text =
        resources.length === 0
          ? `Nothing found for "${query}".`
          : resources
              .map(
                (item) =>
                  `${item.resource}${item.tool ? ` tool ${item.tool}` : ''} (${item.type}) — ${item.price ?? 'price unknown'} on ${item.network ?? '?'}${item.description ? `: ${item.description}` : ''}`,
              )
              .join('\n')
      return answer(text, { query, resources })
    },
  )
}

async function budgetUse(budget: Budget, context: WalletMcpContext) {
  const { store } = context.wallet
  const hosts = budget.eachHost ? await store.hostsWithin(budget) : [undefined]
  return Promise.all(
    hosts.map(async (host) => {
      const spent = await store.spent(budget, host)
      const left = budget.limit > spent ? budget.limit - spent : 0n
      return {
        budget: describeBudget(budget, host),
        ...(host ? { host } : {}),
        spent: formatUsd(spent),
        left: formatUsd(left),
      }
    }),
  )
}

/** A catalogue item in the words an agent needs: what, where, how much, and how to call it. */
function summarise(item: Record<string, unknown>, context: WalletMcpContext) {
  const accepts = (item.accepts as Record<string, unknown>[] | undefined) ?? []
  const first = accepts[0]
  const network = typeof first?.network === 'string' ? first.network : undefined
  const asset = network
    ? (context.wallet.assets[network] ?? context.networks[network]?.asset)
    : undefined
  const amount = typeof first?.amount === 'string' ? BigInt(first.amount) : undefined
  const info = (item.extensions as { bazaar?: { info?: Record<string, unknown> } } | undefined)
    ?.bazaar?.info
  const input = info?.input as Record<string, unknown> | undefined
  const metadata = item.metadata as Record<string, unknown> | undefined
  const description = (item.description ?? metadata?.description) as string | undefined
  return {
    resource: String(item.resource),
    type: String(item.type),
    ...(typeof input?.toolName === 'string' ? { tool: input.toolName } : {}),
    ...(description ? { description } : {}),
    ...(network ? { network } : {}),
    ...(amount !== undefined
      ? {
          price: asset
            ? `${formatAtomicUnits(amount, asset.decimals)} ${asset.symbol ?? 'USDC'}`
            : `${amount} atomic units`,
        }
      : {}),
    ...(input ? { input } : {}),
    host: hostOf(String(item.resource)),
  }
}

import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import { type PaymentOutcome, payDirectly, wrapFetch } from '@tollgate/client'
import {
  HttpFacilitatorClient,
  type PaymentRequired,
  type PaymentRequirements,
  toAtomicUnits,
} from '@tollgate/core'
import { getAddress, isAddress } from 'viem'
import { z } from 'zod'
import type { WalletMcpContext } from './context.ts'
import { answer, describePayment, messageOf, paymentFacts, refusal } from './toolResults.ts'

export function registerTipTool(server: McpServer, context: WalletMcpContext): void {
  server.registerTool(
    'tip',
    {
      title: 'Send a small USDC tip',
      description:
        'Sends a small amount of USDC to an address (an EIP-3009 authorization the facilitator settles; the wallet pays no gas), or pays a paid tip URL (its x402 price, at most the amount). Within the owner’s spending policy.',
      inputSchema: {
        to: z.string().min(1).describe('A 0x address, or the URL of a paid /tip endpoint'),
        amount: z
          .string()
          .regex(/^\$?\d+(\.\d+)?$/, 'a dollar amount such as 0.01')
          .describe('Dollars, e.g. "0.01"'),
        network: z.string().optional().describe('CAIP-2 network; default: the first configured'),
        note: z.string().max(200).optional().describe('Why, recorded with the payment'),
      },
    },
    async ({ to, amount, network, note }) => {
      const dollars = amount.replace(/^\$/, '')
      if (/^https?:\/\//.test(to)) return tipUrl(context, to, dollars, note)
      if (!isAddress(to)) return refusal(`${to} is neither a 0x address nor an http(s) URL`)
      return tipAddress(context, getAddress(to), dollars, network, note)
    },
  )
}

async function tipUrl(context: WalletMcpContext, url: string, dollars: string, note?: string) {
  const { wallet } = context
  let outcome: PaymentOutcome | undefined
  const pay = wrapFetch(
    context.fetch ?? fetch,
    wallet.payer({
      // The tip is at most what was asked, and never above the owner's cap.
      maxPaymentUsd: `$${minimumDollars(dollars, wallet.payer().maxPaymentUsd)}`,
      onOutcome: (finished) => {
        outcome = finished
      },
    }),
  )
  try {
    const response = await pay(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: dollars, ...(note ? { note } : {}) }),
    })
    const payment = paymentFacts(outcome, wallet.schemes)
    const text = `HTTP ${response.status}. ${describePayment(payment)}`
    const result = answer(text, {
      to: url,
      status: response.status,
      ...(payment ? { payment } : {}),
    })
    return response.ok ? result : { ...result, isError: true }
  } catch (error) {
    const payment = paymentFacts(outcome, wallet.schemes)
    return refusal(messageOf(error), payment ? { payment } : {})
  }
}

async function tipAddress(
  context: WalletMcpContext,
  to: string,
  dollars: string,
  wanted: string | undefined,
  note: string | undefined,
) {
  const { wallet } = context
  if (!context.facilitatorUrl)
    return refusal(
      'no facilitator is configured to settle a tip: give --facilitator-url or --manifest',
    )
  const network = wanted ?? Object.keys(context.networks)[0]
  const asset = network ? (context.networks[network]?.asset ?? wallet.assets[network]) : undefined
  if (!network || !asset)
    return refusal(
      `no USDC is configured for ${network ?? 'any network'}: give --manifest or --networks`,
    )
  const requirements: PaymentRequirements = {
    scheme: 'exact',
    network,
    amount: toAtomicUnits(dollars, asset.decimals).toString(),
    asset: asset.address,
    payTo: to,
    maxTimeoutSeconds: 300,
    extra: { name: asset.name, version: asset.version },
  }
  const url = `tip://${to.toLowerCase()}`
  const required: PaymentRequired = {
    x402Version: 2,
    resource: { url, ...(note ? { description: note } : {}) },
    accepts: [requirements],
  }
  let outcome: PaymentOutcome | undefined
  try {
    const facilitator = new HttpFacilitatorClient({ url: context.facilitatorUrl })
    outcome = await payDirectly(facilitator, required, wallet.payer())
  } catch (error) {
    return refusal(messageOf(error))
  }
  const payment = paymentFacts(outcome, wallet.schemes)
  const text = `Tip to ${to}: ${describePayment(payment)}`
  const result = answer(text, { to, ...(payment ? { payment } : {}) })
  return outcome?.state === 'settled' ? result : { ...result, isError: true }
}

function minimumDollars(a: string, b: string | number | undefined): string {
  if (b === undefined) return a
  const other = String(b).replace(/^\$/, '')
  return Number(a) <= Number(other) ? a : other
}

/**
 * Paid MCP tools. The official MCP client (`@modelcontextprotocol/sdk` `Client`) calls a tool
 * priced with `paidTools` on an `McpServer`, over the SDK's own transport: it is asked to pay,
 * pays with the official `@x402/evm` client, and gets the tool's result plus the receipt, settled
 * on the devnet through the facilitator. A payment whose settlement fails gets no tool result.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { encodeBase64Utf8, type PaymentPayload, type PaymentRequired } from '@tollgate/core'
import { devnetChain } from '@tollgate/devnet'
import { exactEvmClient, exactEvmServer } from '@tollgate/evm'
import { callPaidTool, paidTools, readPaymentRequired, readPaymentResponse } from '@tollgate/mcp'
import { parseSpendingPolicy, SpendStore, spendingGuard } from '@tollgate/wallet'
import { ExactEvmScheme as OfficialEvmClient } from '@x402/evm/exact/client'
import { type DevStack, rpcClient } from 'tollgate'
import { createWalletClient, erc20Abi, http, parseEther } from 'viem'
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { payerAccount, signPayment, startTestStack, transferCount } from './support/stack.ts'

let stack: DevStack
let client: Client
let server: McpServer
let store: SpendStore
const calls: string[] = []
/** Lets a test act while the tool runs, after the payment was verified and before it settles. */
let duringTool: (() => Promise<void>) | undefined

beforeAll(async () => {
  stack = await startTestStack()
  const { manifest } = stack
  server = new McpServer({ name: 'weather-tools', version: '1.0.0' })
  const paid = paidTools({
    facilitator: { url: manifest.facilitatorUrl },
    schemes: [exactEvmServer({ assets: { [manifest.network]: manifest.asset } })],
    network: manifest.network,
    payTo: manifest.accounts.merchant.address,
  })
  paid.registerTool(
    server,
    'forecast',
    { description: 'Tomorrow’s weather for a city', inputSchema: { city: z.string() } },
    { price: '$0.001', discovery: { example: { city: 'Oslo' } } },
    async ({ city }) => {
      calls.push(city)
      await duringTool?.()
      if (city === 'Atlantis')
        return { isError: true, content: [{ type: 'text', text: 'no such city' }] }
      return { content: [{ type: 'text', text: `Forecast for ${city}: sunny, 21°C` }] }
    },
  )
  server.registerTool('ping', { description: 'Free' }, async () => ({
    content: [{ type: 'text', text: 'pong' }],
  }))
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair()
  await server.connect(serverSide)
  client = new Client({ name: 'agent', version: '1.0.0' })
  await client.connect(clientSide)
  store = await SpendStore.open()
})
afterAll(async () => {
  await client?.close()
  await server?.close()
  await store?.close()
  await stack?.stop()
})

const merchant = () => stack.manifest.accounts.merchant.address

async function askForPayment(city: string): Promise<PaymentRequired> {
  const result = (await client.callTool({
    name: 'forecast',
    arguments: { city },
  })) as CallToolResult
  expect(result.isError).toBe(true)
  const required = readPaymentRequired(result)
  expect(required).toBeDefined()
  return required!
}

/** The official `@x402/evm` client signs what the tool asked for. */
async function officialPayment(
  required: PaymentRequired,
  signer: PrivateKeyAccount = payerAccount(stack.manifest),
): Promise<PaymentPayload> {
  const accepted = required.accepts[0]!
  const signed = await new OfficialEvmClient(signer).createPaymentPayload(2, {
    ...accepted,
    network: accepted.network as `${string}:${string}`,
    extra: accepted.extra ?? {},
  })
  return {
    x402Version: 2,
    resource: required.resource!,
    accepted,
    payload: signed.payload,
    ...(required.extensions ? { extensions: required.extensions } : {}),
  }
}

/** Calls `forecast` with a payment in `_meta["x402/payment"]`. */
async function payForecast(city: string, payment: unknown): Promise<CallToolResult> {
  return (await client.callTool({
    name: 'forecast',
    arguments: { city },
    _meta: { 'x402/payment': payment },
  })) as CallToolResult
}

function text(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n')
}

describe('a paid tool called by the official MCP client', () => {
  it('answers an unpaid call with the x402 payment request, without running the tool', async () => {
    const before = calls.length
    const result = (await client.callTool({
      name: 'forecast',
      arguments: { city: 'Oslo' },
    })) as CallToolResult
    expect(result.isError).toBe(true)
    expect(result.structuredContent).toMatchObject({
      x402Version: 2,
      resource: { url: 'mcp://tool/forecast', description: 'Tomorrow’s weather for a city' },
      accepts: [
        {
          scheme: 'exact',
          network: stack.manifest.network,
          amount: '1000',
          payTo: expect.stringMatching(new RegExp(merchant(), 'i')),
        },
      ],
      extensions: {
        bazaar: {
          info: { input: { type: 'mcp', toolName: 'forecast', example: { city: 'Oslo' } } },
        },
      },
    })
    // The same PaymentRequired as JSON text, for clients that read only text.
    expect(JSON.parse(text(result).split('\n')[0]!)).toEqual(result.structuredContent)
    expect(calls.length).toBe(before)
    // A free tool on the same server is untouched.
    expect(text((await client.callTool({ name: 'ping' })) as CallToolResult)).toBe('pong')
  })

  it('runs the tool for a payment, settles it once on chain, and returns the receipt', async () => {
    const payer = stack.manifest.accounts.payer.address
    const debits = await transferCount(stack.manifest, payer, merchant())
    const payment = await officialPayment(await askForPayment('Oslo'))
    const result = await payForecast('Oslo', payment)
    expect(result.isError).toBeFalsy()
    expect(text(result)).toBe('Forecast for Oslo: sunny, 21°C')
    const receipt = readPaymentResponse(result)
    expect(receipt).toMatchObject({ success: true, network: stack.manifest.network })
    expect(result._meta?.['x402/payment-response']).toEqual(receipt)
    const onChain = await rpcClient(stack.manifest.rpcUrl).getTransactionReceipt({
      hash: receipt!.transaction as `0x${string}`,
    })
    expect(onChain.status).toBe('success')
    expect(await transferCount(stack.manifest, payer, merchant())).toBe(debits + 1)

    // The same payment again does not buy a second call.
    const before = calls.length
    const again = await payForecast('Oslo', payment)
    expect(again.isError).toBe(true)
    expect(readPaymentRequired(again)?.error).toBe('payment_already_in_use')
    expect(calls.length).toBe(before)
    expect(await transferCount(stack.manifest, payer, merchant())).toBe(debits + 1)
  })

  it('accepts the payment as a base64 JSON string, under either key spelling', async () => {
    const required = await askForPayment('Lima')
    for (const key of ['x402/payment', 'x402.payment']) {
      const payment = await signPayment(stack.manifest, required.accepts[0]!)
      const result = (await client.callTool({
        name: 'forecast',
        arguments: { city: 'Lima' },
        _meta: { [key]: encodeBase64Utf8(JSON.stringify(payment)) },
      })) as CallToolResult
      expect(text(result)).toBe('Forecast for Lima: sunny, 21°C')
      expect(readPaymentResponse(result)?.success).toBe(true)
    }
  })

  it('refuses a bad payment with its reason, and an unreadable one, without running the tool', async () => {
    const required = await askForPayment('Quito')
    const before = calls.length
    const forged = await signPayment(stack.manifest, required.accepts[0]!, {
      signer: privateKeyToAccount(generatePrivateKey()),
      authorization: { from: stack.manifest.accounts.payer.address },
    })
    const refused = await payForecast('Quito', forged)
    expect(refused.isError).toBe(true)
    expect(readPaymentRequired(refused)?.error).toBe('invalid_exact_evm_signature')
    const unreadable = (await client.callTool({
      name: 'forecast',
      arguments: { city: 'Quito' },
      _meta: { 'x402/payment': 'not a payment' },
    })) as CallToolResult
    expect(readPaymentRequired(unreadable)?.error).toBe('invalid_payload')
    expect(calls.length).toBe(before)
  })

  it('charges nothing when the tool itself fails', async () => {
    const payer = stack.manifest.accounts.payer.address
    const debits = await transferCount(stack.manifest, payer, merchant())
    const payment = await officialPayment(await askForPayment('Atlantis'))
    const result = await payForecast('Atlantis', payment)
    expect(result.isError).toBe(true)
    expect(text(result)).toBe('no such city')
    expect(readPaymentResponse(result)).toBeUndefined()
    expect(await transferCount(stack.manifest, payer, merchant())).toBe(debits)
  })

  it('withholds the result when settlement fails: the payer emptied its balance meanwhile', async () => {
    const { manifest } = stack
    const chain = devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3!)
    const rpc = rpcClient(manifest.rpcUrl)
    const account = privateKeyToAccount(generatePrivateKey())
    await rpc.request({
      method: 'anvil_setBalance' as never,
      params: [account.address, `0x${parseEther('1').toString(16)}`] as never,
    })
    const funder = createWalletClient({
      account: payerAccount(manifest),
      chain,
      transport: http(manifest.rpcUrl),
    })
    await rpc.waitForTransactionReceipt({
      hash: await funder.writeContract({
        address: manifest.asset.address,
        abi: erc20Abi,
        functionName: 'transfer',
        args: [account.address, 1000n],
      }),
    })
    const payment = await officialPayment(await askForPayment('Bergen'), account)
    duringTool = async () => {
      const drainer = createWalletClient({ account, chain, transport: http(manifest.rpcUrl) })
      await rpc.waitForTransactionReceipt({
        hash: await drainer.writeContract({
          address: manifest.asset.address,
          abi: erc20Abi,
          functionName: 'transfer',
          args: [manifest.accounts.payer.address, 1000n],
        }),
      })
    }
    const before = calls.length
    let result: CallToolResult
    try {
      result = await payForecast('Bergen', payment)
    } finally {
      duringTool = undefined
    }
    // The tool ran (the payment was valid then), but its result is not handed over.
    expect(calls.length).toBe(before + 1)
    expect(result.isError).toBe(true)
    expect(text(result)).not.toContain('Forecast')
    const required = readPaymentRequired(result)
    expect(required?.accepts[0]?.amount).toBe('1000')
    expect(required?.error).toBeTruthy()
    const receipt = readPaymentResponse(result)
    expect(receipt).toMatchObject({ success: false })
    expect(receipt?.errorReason).toBe(required?.error)
    expect(await transferCount(manifest, account.address, merchant())).toBe(0)
  })
})

describe('callPaidTool', () => {
  it('pays within the policy and returns the result, the receipt and the settled outcome', async () => {
    const { manifest } = stack
    const paid = await callPaidTool(
      client,
      { name: 'forecast', arguments: { city: 'Accra' } },
      {
        schemes: [
          exactEvmClient({
            signer: payerAccount(manifest),
            assets: { [manifest.network]: manifest.asset },
          }),
        ],
        spending: spendingGuard({ store, policy: parseSpendingPolicy({ maxPayment: '$0.01' }) }),
      },
    )
    expect(text(paid.result)).toBe('Forecast for Accra: sunny, 21°C')
    expect(paid.receipt?.success).toBe(true)
    expect(paid.outcome).toMatchObject({ state: 'settled', attempts: 1 })
    const [record] = await store.list({ limit: 1 })
    expect(record).toMatchObject({ state: 'settled', url: 'mcp://tool/forecast' })
  })

  it('refuses before signing a price above the cap', async () => {
    const { manifest } = stack
    const before = calls.length
    await expect(
      callPaidTool(
        client,
        { name: 'forecast', arguments: { city: 'Accra' } },
        {
          schemes: [
            exactEvmClient({
              signer: payerAccount(manifest),
              assets: { [manifest.network]: manifest.asset },
            }),
          ],
          spending: spendingGuard({
            store,
            policy: parseSpendingPolicy({ maxPayment: '$0.0005' }),
          }),
        },
      ),
    ).rejects.toThrow(/0\.0005|cap|limit/i)
    expect(calls.length).toBe(before)
  })
})

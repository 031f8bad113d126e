/**
 * `tollgate mcp`, driven by the official MCP client over stdio as an LLM client would: `fetch`
 * of a paid URL on the devnet pays and returns the body; a price over the cap is refused, with a
 * message saying who can raise it, before anything is signed; `spending` reports what was paid.
 * The other tools (`call_paid_tool`, `discover`, `tip`, `balance`) work on the same devnet, over
 * streamable HTTP too, and no result ever carries the key.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { encryptKeystore } from '@tollgate/wallet'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cliPath, startCli } from './support/cli.ts'
import { connectWalletOverStdio } from './support/mcpStdio.ts'
import { splBalance } from './support/solana.ts'
import { startTestStack, tokenBalance, transferCount } from './support/stack.ts'

let stack: DevStack
let workdir: string
const clients: Client[] = []
const results: CallToolResult[] = []

beforeAll(async () => {
  stack = await startTestStack()
  workdir = await mkdtemp(join(tmpdir(), 'tollgate-mcp-'))
  await writeFile(join(workdir, 'dev.json'), JSON.stringify(stack.manifest))
})
afterAll(async () => {
  for (const client of clients) await client.close()
  await stack?.stop()
})

/** Starts `tollgate mcp` the way an MCP client's configuration does, and connects to it. */
async function walletOverStdio(flags: string[]): Promise<Client> {
  const client = await connectWalletOverStdio(['--manifest', join(workdir, 'dev.json'), ...flags], {
    TOLLGATE_PRIVATE_KEY: stack.manifest.accounts.payer.privateKey,
    TOLLGATE_SPEND_STORE: join(workdir, 'spending'),
  })
  clients.push(client)
  return client
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult
  results.push(result)
  return result
}

function text(result: CallToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : '')).join('\n')
}

const debits = () =>
  transferCount(
    stack.manifest,
    stack.manifest.accounts.payer.address,
    stack.manifest.accounts.merchant.address,
  )

describe('tollgate mcp over stdio', () => {
  let wallet: Client

  beforeAll(async () => {
    wallet = await walletOverStdio(['--max-payment', '0.002', '--daily-budget', '0.01'])
  })

  it('offers the wallet tools', async () => {
    const { tools } = await wallet.listTools()
    expect(tools.map((tool) => tool.name).sort()).toEqual([
      'balance',
      'call_paid_tool',
      'discover',
      'fetch',
      'hire_agent',
      'spending',
      'tip',
    ])
  })

  it('fetch pays for a paid URL on the devnet and returns the body and the receipt', async () => {
    const before = await debits()
    const result = await call(wallet, 'fetch', {
      url: `${stack.manifest.exampleApiUrl}/weather?city=Oslo`,
    })
    expect(result.isError).toBeFalsy()
    const structured = result.structuredContent as {
      status: number
      body: string
      payment: { state: string; transaction: string; amount: string }
    }
    expect(structured.status).toBe(200)
    expect(JSON.parse(structured.body)).toMatchObject({ city: 'Oslo' })
    expect(structured.payment).toMatchObject({ state: 'settled', amount: '0.001 USDC' })
    expect(structured.payment.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(text(result)).toContain(`Paid 0.001 USDC on ${stack.manifest.network}`)
    expect(await debits()).toBe(before + 1)
  })

  it('spending reports the payment and what is left of the budget', async () => {
    const result = await call(wallet, 'spending')
    const structured = result.structuredContent as {
      maxPaymentUsd: string
      budgets: { budget: string; spent: string; left: string }[]
      payments: { url: string; state: string; usd: string; transaction?: string }[]
    }
    expect(structured.maxPaymentUsd).toBe('0.002')
    expect(structured.budgets).toEqual([
      { budget: 'the daily budget of $0.01', spent: '0.001', left: '0.009' },
    ])
    expect(structured.payments[0]).toMatchObject({
      url: `${stack.manifest.exampleApiUrl}/weather?city=Oslo`,
      state: 'settled',
      usd: '0.001',
      transaction: expect.stringMatching(/^0x/),
    })
    expect(text(result)).toContain('the daily budget of $0.01: $0.001 spent, $0.009 left.')
  })

  it('call_paid_tool pays for a tool on a paid MCP server', async () => {
    const before = await debits()
    const result = await call(wallet, 'call_paid_tool', {
      server: `${stack.manifest.exampleApiUrl}/mcp`,
      tool: 'forecast',
      arguments: { city: 'Lima' },
    })
    expect(result.isError).toBeFalsy()
    expect(JSON.parse(text(result).split('\n')[0]!)).toMatchObject({ city: 'Lima' })
    expect(result._meta?.['x402/payment-response']).toMatchObject({ success: true })
    expect(text(result)).toContain('Paid 0.001 USDC')
    expect(await debits()).toBe(before + 1)
  })

  it('discover finds the paid API and the paid tool once payments for them have settled', async () => {
    let resources: { resource: string; type: string; tool?: string; price?: string }[] = []
    // The facilitator catalogues after answering the settlement, off its path.
    for (let tries = 0; tries < 50 && resources.length < 2; tries++) {
      const result = await call(wallet, 'discover', { query: 'weather city' })
      resources = (result.structuredContent as { resources: typeof resources }).resources
      if (resources.length < 2) await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(resources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          resource: `${stack.manifest.exampleApiUrl}/weather`,
          type: 'http',
          price: '0.001 USDC',
        }),
        expect.objectContaining({
          resource: `${stack.manifest.exampleApiUrl}/mcp`,
          type: 'mcp',
          tool: 'forecast',
        }),
      ]),
    )
  })

  it('tip sends USDC to an address through the facilitator, within the policy', async () => {
    const merchant = stack.manifest.accounts.merchant.address
    const before = await tokenBalance(stack.manifest, merchant)
    const result = await call(wallet, 'tip', { to: merchant, amount: '0.0001', note: 'thanks' })
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toMatchObject({ payment: { state: 'settled' } })
    expect(await tokenBalance(stack.manifest, merchant)).toBe(before + 100n)
    const over = await call(wallet, 'tip', { to: merchant, amount: '5' })
    expect(over.isError).toBe(true)
    expect(text(over)).toContain('price 5 USDC exceeds the per-payment cap of $0.002')
  })

  it('balance shows the address and its USDC on the devnet', async () => {
    const result = await call(wallet, 'balance')
    const payer = stack.manifest.accounts.payer.address
    const onChain = await tokenBalance(stack.manifest, payer)
    expect(result.structuredContent).toMatchObject({
      address: payer,
      balances: [
        {
          network: stack.manifest.network,
          asset: 'USDC',
          balance: (Number(onChain) / 1e6).toString(),
        },
      ],
    })
  })
})

describe('a Solana wallet', () => {
  it('pays on Solana when the EVM wallet holds no USDC, and reports the amount in USDC', async () => {
    const { solana } = stack.manifest
    const before = await splBalance(stack, solana.payer.address)
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [cliPath, 'mcp', '--manifest', join(workdir, 'dev.json')],
      env: {
        ...(process.env as Record<string, string>),
        NO_COLOR: '1',
        TOLLGATE_PRIVATE_KEY: ANVIL_ACCOUNTS[8].privateKey,
        TOLLGATE_SOLANA_SECRET_KEY: solana.payer.secretKey,
        TOLLGATE_SPEND_STORE: join(workdir, 'solana-spending'),
      },
      stderr: 'pipe',
    })
    const client = new Client({ name: 'test-agent', version: '1.0.0' })
    await client.connect(transport)
    clients.push(client)
    const result = await call(client, 'fetch', {
      url: `${stack.manifest.exampleApiUrl}/weather?city=Accra`,
    })
    expect(result.isError).toBeFalsy()
    expect(result.structuredContent).toMatchObject({
      payment: { state: 'settled', amount: '0.001 USDC', network: solana.network },
    })
    expect(before - (await splBalance(stack, solana.payer.address))).toBe(1000n)
    expect(JSON.stringify(result)).not.toContain(solana.payer.secretKey)
  })
})

describe('a price over the cap', () => {
  it('is refused before signing, with a message saying how the owner raises the limit', async () => {
    const capped = await walletOverStdio(['--max-payment', '0.0005'])
    const before = await debits()
    const result = await call(capped, 'fetch', {
      url: `${stack.manifest.exampleApiUrl}/weather?city=Rome`,
    })
    expect(result.isError).toBe(true)
    expect(text(result)).toContain('price 0.001 USDC exceeds the per-payment cap of $0.0005')
    expect(text(result)).toContain('only the wallet’s owner can raise it')
    expect(text(result)).toContain('--max-payment')
    expect(await debits()).toBe(before)
    // Nothing was signed, so nothing was recorded against the budget.
    const spending = await call(capped, 'spending')
    const payments = (spending.structuredContent as { payments: { url: string }[] }).payments
    expect(payments.some((payment) => payment.url.endsWith('city=Rome'))).toBe(false)
  })
})

describe('tollgate mcp --http', () => {
  it('serves the same wallet over streamable HTTP on a loopback port', async () => {
    const server = startCli(['mcp', '--http', '0', '--manifest', join(workdir, 'dev.json')], {
      env: {
        TOLLGATE_PRIVATE_KEY: stack.manifest.accounts.payer.privateKey,
        TOLLGATE_SPEND_STORE: join(workdir, 'spending'),
      },
    })
    try {
      let url: string | undefined
      for (let tries = 0; tries < 300 && !url; tries++) {
        url = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(server.output.stderr)?.[1]
        if (!url) await new Promise((resolve) => setTimeout(resolve, 50))
      }
      expect(url, server.output.stderr).toBeDefined()
      const client = new Client({ name: 'test-agent', version: '1.0.0' })
      await client.connect(new StreamableHTTPClientTransport(new URL(url!)))
      clients.push(client)
      const result = await call(client, 'balance')
      expect(result.structuredContent).toMatchObject({
        address: stack.manifest.accounts.payer.address,
      })
      // Another origin's page cannot reach it through a rebound host name (fetch cannot set Host).
      const rebound = await new Promise<{ status: number | undefined }>((resolve, reject) => {
        const request = httpRequest(
          url!,
          {
            method: 'POST',
            headers: {
              host: 'evil.example',
              accept: 'application/json, text/event-stream',
              'content-type': 'application/json',
            },
          },
          (response) => {
            response.resume()
            resolve({ status: response.statusCode })
          },
        )
        request.on('error', reject)
        request.end('{"jsonrpc":"2.0","id":1,"method":"tools/list"}')
      })
      expect(rebound.status).toBe(403)
    } finally {
      server.child.kill('SIGTERM')
      await server.exited
    }
  })
})

describe('the README', () => {
  it('has an MCP client configuration that starts a working wallet', async () => {
    const root = join(import.meta.dirname, '..')
    const readme = await readFile(join(root, 'README.md'), 'utf8')
    const block = [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((match) => match[1]!)
      .find((json) => json.includes('mcpServers'))
    expect(block).toBeDefined()
    const config = JSON.parse(block!).mcpServers.wallet as {
      command: string
      args: string[]
      env: Record<string, string>
    }
    const { manifest } = stack
    const keystore = join(workdir, 'keystore.json')
    await writeFile(
      keystore,
      JSON.stringify(
        await encryptKeystore(manifest.accounts.payer.privateKey, 'correct horse', {
          scryptN: 1024,
        }),
      ),
    )
    const networks = join(workdir, 'networks.json')
    await writeFile(
      networks,
      JSON.stringify({ [manifest.network]: { rpcUrl: manifest.rpcUrl, asset: manifest.asset } }),
    )
    const args = config.args.map((arg) =>
      arg
        .replace('/path/to/tollgate', root)
        .replace('/home/me/.tollgate/keystore.json', keystore)
        .replace('/home/me/.tollgate/networks.json', networks),
    )
    expect(config.command).toBe('node')
    const client = new Client({ name: 'readme-agent', version: '1.0.0' })
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args,
        env: {
          ...(process.env as Record<string, string>),
          ...config.env,
          TOLLGATE_KEYSTORE_PASSWORD: 'correct horse',
          TOLLGATE_PRIVATE_KEY: '',
          TOLLGATE_SPEND_STORE: join(workdir, 'readme-spending'),
        },
        stderr: 'pipe',
      }),
    )
    clients.push(client)
    const spending = await call(client, 'spending')
    expect(spending.structuredContent).toMatchObject({
      maxPaymentUsd: '0.05',
      budgets: [{ budget: 'the daily budget of $2', spent: '0', left: '2' }],
    })
    const balance = await call(client, 'balance')
    expect(balance.structuredContent).toMatchObject({
      address: manifest.accounts.payer.address,
      balances: [{ network: manifest.network, asset: 'USDC' }],
    })
  })
})

describe('secrets', () => {
  it('no tool result carries the private key', () => {
    const key = stack.manifest.accounts.payer.privateKey.toLowerCase()
    const everything = JSON.stringify(results).toLowerCase()
    expect(results.length).toBeGreaterThan(8)
    expect(everything).not.toContain(key.slice(2))
  })
})

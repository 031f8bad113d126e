/**
 * `tollgate mcp`: the agent's wallet as an MCP server, for any LLM client. stdio by default (the
 * client starts it), streamable HTTP with `--http <port>`. Payments follow the spending policy
 * the flags give; only the owner, who writes the configuration, can raise it.
 */
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js'
import { defaultEvmAssets, type EvmAsset } from '@tollgate/evm'
import { readManifest } from '@tollgate/manifest'
import { serveStatelessMcp } from '@tollgate/mcp'
import { Hono } from 'hono'
import { z } from 'zod'
import { openAgentWallet } from '../agentWallet.ts'
import type { WalletCliOptions } from '../commands/walletOptions.ts'
import { listen } from '../listen.ts'
import { note, UserError } from '../ui.ts'
import { createWalletMcpServer, type WalletMcpContext } from '../walletMcp/server.ts'
import { promptHidden } from './prompt.ts'

interface McpOptions extends WalletCliOptions {
  http?: number
  host: string
  facilitatorUrl?: string
  networks?: string
  mandate?: string
  agentKey?: string
}

const howToRaise =
  'only the wallet’s owner can raise it, in the `tollgate mcp` configuration: --max-payment, --daily-budget or --policy'

export async function serveMcp(options: McpOptions): Promise<void> {
  const wallet = await openAgentWallet(options, {
    env: process.env,
    howToRaise,
    promptPassword: promptHidden,
  })
  const manifest = existsSync(options.manifest)
    ? await readManifest(options.manifest).catch(() => undefined)
    : undefined
  const context: WalletMcpContext = {
    wallet,
    networks: {
      ...(manifest
        ? { [manifest.network]: { rpcUrl: manifest.rpcUrl, asset: manifest.asset } }
        : {}),
      ...(options.networks ? await readNetworks(options.networks) : {}),
    },
    facilitatorUrl: options.facilitatorUrl ?? manifest?.facilitatorUrl,
    ...(options.mandate ? { mandate: { file: options.mandate, agentKey: options.agentKey } } : {}),
  }
  let closing = false
  const close = async (code: number) => {
    if (closing) return
    closing = true
    await wallet.close()
    process.exit(code)
  }
  process.once('SIGINT', () => void close(0))
  process.once('SIGTERM', () => void close(0))

  if (options.http === undefined) {
    // stdout carries the protocol: everything else goes to stderr.
    const server = createWalletMcpServer(context)
    const transport = new StdioServerTransport()
    transport.onclose = () => void close(0)
    process.stdin.once('end', () => void close(0))
    await server.connect(transport)
    note(`tollgate mcp: wallet ${wallet.signer.address} ready on stdio`)
    return
  }

  const app = new Hono()
  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(options.host)
  app.all('/mcp', async (c) => {
    // Stateless: a server and transport per request, sharing the wallet and its store.
    return serveStatelessMcp(
      createWalletMcpServer(context),
      c.req.raw,
      // A web page must not drive a wallet on the owner's machine (DNS rebinding).
      loopback
        ? {
            enableDnsRebindingProtection: true,
            allowedHosts: [`127.0.0.1:${port()}`, `localhost:${port()}`, `[::1]:${port()}`],
          }
        : {},
    )
  })
  const listening = await listen(app, options.http, options.host)
  const port = () => listening.port
  note(`tollgate mcp: wallet ${wallet.signer.address} at ${listening.url}/mcp`)
  if (!loopback)
    note(
      `warning: ${options.host} is not a loopback address; anyone who reaches it can spend within the policy`,
    )
}

const networksSchema = z.record(
  z.string().regex(/^eip155:\d+$/, 'an EVM network such as eip155:84532'),
  z.strictObject({
    rpcUrl: z.url(),
    asset: z
      .strictObject({
        address: z.string().regex(/^0x[0-9a-fA-F]{40}$/),
        name: z.string(),
        version: z.string(),
        decimals: z.number().int().min(0).max(36),
        symbol: z.string().optional(),
      })
      .optional(),
  }),
)

async function readNetworks(path: string): Promise<WalletMcpContext['networks']> {
  let parsed: z.output<typeof networksSchema>
  try {
    parsed = networksSchema.parse(JSON.parse(await readFile(path, 'utf8')))
  } catch (error) {
    throw new UserError(`cannot read the networks file ${path}: ${(error as Error).message}`)
  }
  const networks: WalletMcpContext['networks'] = {}
  for (const [network, entry] of Object.entries(parsed)) {
    const asset = (entry.asset as EvmAsset | undefined) ?? defaultEvmAssets[network]
    if (!asset) throw new UserError(`no USDC is known on ${network}`, `give its "asset" in ${path}`)
    networks[network] = { rpcUrl: entry.rpcUrl, asset }
  }
  return networks
}

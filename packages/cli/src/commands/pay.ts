import type { Command } from 'commander'
import { lazy } from './lazy.ts'
import { parsePort } from './shared.ts'
import { addWalletOptions } from './walletOptions.ts'

export function registerPay(program: Command): void {
  const command = program
    .command('pay')
    .description(
      'fetch a URL, paying its x402 price within your spending policy (curl for paid APIs)',
    )
    .argument('<url>', 'the URL to fetch')
    .option('-X, --method <verb>', 'HTTP method', 'GET')
    .option('-d, --data <body>', 'request body')
    .option('-H, --header <header...>', 'extra request headers, "Name: value"', [])
    .option('--max <usd>', 'same as --max-payment')
  addWalletOptions(command).action(lazy(async () => (await import('../actions/pay.ts')).pay))
}

export function registerMcp(program: Command): void {
  const command = program
    .command('mcp')
    .description('serve a wallet to LLM clients over MCP: fetch and pay within a spending policy')
    .option('--http <port>', 'serve streamable HTTP on this port instead of stdio', parsePort)
    .option('--host <address>', 'address to listen on with --http', '127.0.0.1')
    .option(
      '--facilitator-url <url>',
      'facilitator for `discover` and `tip` (default: the dev manifest’s)',
    )
    .option(
      '--networks <file>',
      'JSON {"eip155:84532": {"rpcUrl": "https://…"}}: networks whose balances `balance` reads',
    )
    .option('--mandate <file>', 'an AP2 open payment mandate that `hire_agent` pays within')
    .option('--agent-key <file>', 'the agent key the mandate was made out to')
  addWalletOptions(command).action(lazy(async () => (await import('../actions/mcp.ts')).serveMcp))
}

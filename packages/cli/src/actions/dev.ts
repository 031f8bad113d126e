import { resolve } from 'node:path'
import { startDevStack } from '../devStack.ts'
import { bold, cyan, dim, green, note, step } from '../ui.ts'
import { waitForShutdown } from './shutdown.ts'

export async function runDev(options: {
  rpcPort: number
  facilitatorPort: number
  apiPort: number
  solanaPort: number
  chainId: number
  manifest: string
}): Promise<void> {
  note(bold('Tollgate dev stack'))
  const stack = await startDevStack({
    rpcPort: options.rpcPort,
    facilitatorPort: options.facilitatorPort,
    apiPort: options.apiPort,
    solanaPort: options.solanaPort,
    chainId: options.chainId,
    manifestPath: options.manifest,
    onProgress: step,
  })
  const m = stack.manifest
  const sol = m.solana
  note(`
${green('Ready.')}
  RPC          ${cyan(m.rpcUrl)}  ${dim(`(${m.network})`)}
  Solana RPC   ${cyan(sol.rpcUrl)}  ${dim(`(embedded, answers as Solana devnet ${sol.network})`)}
  Facilitator  ${cyan(m.facilitatorUrl)}  ${dim('/verify /settle /supported /healthz /readyz /metrics /ledger/payments')}
  Dashboard    ${cyan(`${m.facilitatorUrl}/dashboard/`)}  ${dim('payments, signers and revenue, live')}
  Example API  ${cyan(m.exampleApiUrl)}  ${dim('GET /weather costs $0.001 on EVM or Solana · GET /forecast?days=N $0.001 a day (upto) · GET /joke $0.001 a voucher (batch-settlement) · GET /report $0.001, served first to agents the merchant rated (credit) · GET /health is free')}
  Paid MCP     ${cyan(`${m.exampleApiUrl}/mcp`)}  ${dim('tool forecast costs $0.001')}
  Paid agent   ${cyan(`${m.exampleApiUrl}/a2a/`)}  ${dim('A2A (v1.0 and v0.3): a weather task costs $0.001; tollgate a2a send')}
  Test USDC    ${m.asset.address}
  Solana mint  ${sol.mint}  ${dim('(local test USDC, 6 decimals)')}
  Payer        ${m.accounts.payer.address}  ${dim('1,000,000 USDC; its devnet key is in the manifest')}
  Solana payer ${sol.payer.address}  ${dim('1,000,000 USDC; key at solana.payer.secretKey')}
  Merchant     ${m.accounts.merchant.address}${
    m.erc8004
      ? `
  ERC-8004     identity ${m.erc8004.identityRegistry}  ${dim(`reputation ${m.erc8004.reputationRegistry}; files at ${m.erc8004.contentUrl ?? m.exampleApiUrl}/content; tollgate agent --help`)}${
    m.erc8004.merchantAgentId
      ? `
  Merchant id  agent ${m.erc8004.merchantAgentId}  ${dim('registered with its A2A card, MCP server and API; tollgate agent show')}`
      : ''
  }`
      : ''
  }
  Manifest     ${options.manifest}

Try it, in another terminal:
  export TOLLGATE_PRIVATE_KEY=$(node -p "require('${resolve(options.manifest)}').accounts.payer.privateKey")
  npx tollgate pay ${m.exampleApiUrl}/weather
  npx tollgate a2a send ${m.exampleApiUrl}/a2a/ "What is the weather in Oslo?"
  npx tollgate ledger    ${dim('# payments and their states')}
  npx tollgate mcp --daily-budget 1    ${dim('# a wallet for your LLM client (README: Give your agent a wallet)')}
Or with a wallet of your own:
  npx tollgate wallet create && npx tollgate wallet fund --keystore ~/.tollgate/keystore.json
  npx tollgate pay ${m.exampleApiUrl}/weather --keystore ~/.tollgate/keystore.json
Press Ctrl-C to stop.`)
  await waitForShutdown()
  step('stopping')
  await stack.stop()
  step('stopped')
}

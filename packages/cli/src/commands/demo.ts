import { readReceipt, wrapFetch } from '@tollgate/client'
import { formatAtomicUnits } from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import type { Command } from 'commander'
import { type Address, erc20Abi } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { startDevStack } from '../devStack.ts'
import { rpcClient } from '../evmFacilitator.ts'
import type { DevManifest } from '../manifest.ts'
import { bold, dim, green, note, step } from '../ui.ts'
import { parsePort } from './shared.ts'

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start the local stack on free ports and let an agent pay the example API')
    .option('--requests <n>', 'how many paid requests', parsePort, 5)
    .option('--chain-id <id>', 'chain id of the devnet', parsePort, 31337)
    .action(async (options: { requests: number; chainId: number }) => {
      note(bold('Tollgate demo: an agent pays an API in test USDC on a local chain'))
      const stack = await startDevStack({
        rpcPort: 0,
        facilitatorPort: 0,
        apiPort: 0,
        chainId: options.chainId,
        onProgress: step,
      })
      try {
        await runAgent(stack.manifest, options.requests)
      } finally {
        await stack.stop()
      }
    })
}

async function runAgent(manifest: DevManifest, requests: number): Promise<void> {
  const asset = manifest.asset
  const payer = privateKeyToAccount(manifest.accounts.payer.privateKey)
  const pay = wrapFetch(fetch, {
    schemes: [exactEvmClient({ signer: payer, assets: { [manifest.network]: asset } })],
    maxPaymentUsd: '$0.01',
  })
  const before = await balances(manifest)
  note(
    `\nAgent ${payer.address} calls GET ${manifest.exampleApiUrl}/weather (${manifest.routes[0]?.price} each)\n`,
  )
  for (let index = 1; index <= requests; index++) {
    const response = await pay(
      `${manifest.exampleApiUrl}/weather?city=${cities[index % cities.length]}`,
    )
    const receipt = readReceipt(response)
    const body = await response.text()
    if (response.status !== 200 || !receipt?.success) {
      throw new Error(`request ${index} was not served: HTTP ${response.status} ${body}`)
    }
    process.stdout.write(`${green(`#${index}`)} HTTP ${response.status} ${body}\n`)
    process.stdout.write(`   ${dim('paid, settled in tx')} ${receipt.transaction}\n`)
  }
  const after = await balances(manifest)
  const decimals = manifest.asset.decimals
  const show = (value: bigint) => {
    const [whole, fraction] = formatAtomicUnits(value, decimals).split('.')
    return `${Number(whole).toLocaleString('en-US')}${fraction ? `.${fraction}` : ''} USDC`
  }
  process.stdout.write(`
Balances          before              after
  payer     ${show(before.payer).padEnd(20)}${show(after.payer)}
  merchant  ${show(before.merchant).padEnd(20)}${show(after.merchant)}
${green('✓')} ${requests} paid requests, ${show(before.payer - after.payer)} moved on chain\n`)
}

const cities = ['Lisbon', 'Nairobi', 'Osaka', 'Lima', 'Oslo', 'Austin']

async function balances(manifest: DevManifest): Promise<{ payer: bigint; merchant: bigint }> {
  const client = rpcClient(manifest.rpcUrl)
  const read = (owner: string) =>
    client.readContract({
      address: manifest.asset.address,
      abi: erc20Abi,
      functionName: 'balanceOf',
      args: [owner as Address],
    })
  const [payer, merchant] = await Promise.all([
    read(manifest.accounts.payer.address),
    read(manifest.accounts.merchant.address),
  ])
  return { payer, merchant }
}

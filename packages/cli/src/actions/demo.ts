import { readReceipt, wrapFetch } from '@tollgate/client'
import { formatAtomicUnits, type SchemeClient } from '@tollgate/core'
import { exactEvmClient, rpcClient } from '@tollgate/evm'
import type { DevManifest } from '@tollgate/manifest'
import { exactSvmClient, readSvmTokenBalance, svmSignerFromSecretKey } from '@tollgate/svm'
import { type Address, erc20Abi } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { type DevStack, startDevStack } from '../devStack.ts'
import { bold, dim, green, note, step } from '../ui.ts'

export async function runDemo(options: { requests: number; chainId: number }): Promise<void> {
  note(bold('Tollgate demo: agents pay an API in test USDC on a local EVM chain and Solana'))
  const stack = await startDevStack({
    rpcPort: 0,
    facilitatorPort: 0,
    apiPort: 0,
    solanaPort: 0,
    chainId: options.chainId,
    onProgress: step,
  })
  try {
    await runAgents(stack, options.requests)
  } finally {
    await stack.stop()
  }
}

/** One agent per chain, each with the key of that chain's devnet payer. */
interface Agent {
  chain: 'EVM' | 'Solana'
  address: string
  decimals: number
  schemes: SchemeClient[]
  /** The payer's and the merchant's test USDC, in atomic units. */
  balances(): Promise<{ payer: bigint; merchant: bigint }>
}

async function runAgents(stack: DevStack, requests: number): Promise<void> {
  const { manifest } = stack
  const evmPayer = privateKeyToAccount(manifest.accounts.payer.privateKey)
  const solana = manifest.solana
  const svmPayer = await svmSignerFromSecretKey(solana.payer.secretKey)
  const agents: Agent[] = [
    {
      chain: 'EVM',
      address: evmPayer.address,
      decimals: manifest.asset.decimals,
      schemes: [
        exactEvmClient({ signer: evmPayer, assets: { [manifest.network]: manifest.asset } }),
      ],
      balances: () => evmBalances(manifest),
    },
    {
      chain: 'Solana',
      address: svmPayer.address,
      decimals: solana.decimals,
      schemes: [
        exactSvmClient({
          signer: svmPayer,
          rpcUrl: solana.rpcUrl,
          assets: {
            [solana.network]: { address: solana.mint, decimals: solana.decimals, symbol: 'USDC' },
          },
        }),
      ],
      balances: async () => {
        const read = (owner: string) =>
          readSvmTokenBalance({ rpcUrl: solana.rpcUrl }, owner, solana.mint)
        const merchant = stack.solanaDevnet.merchant.address
        const [payer, merchantBalance] = await Promise.all([read(svmPayer.address), read(merchant)])
        return { payer, merchant: merchantBalance }
      },
    },
  ]
  let index = 0
  for (const agent of agents) {
    index = await runAgent(manifest, agent, requests, index)
  }
  process.stdout.write(
    `${green('✓')} paid on EVM and on Solana, each payment settled on chain before the API answered\n`,
  )
}

async function runAgent(
  manifest: DevManifest,
  agent: Agent,
  requests: number,
  counted: number,
): Promise<number> {
  const pay = wrapFetch(fetch, { schemes: agent.schemes, maxPaymentUsd: '$0.01' })
  const before = await agent.balances()
  note(
    `\n${agent.chain} agent ${agent.address} calls GET ${manifest.exampleApiUrl}/weather (${manifest.routes[0]?.price} each)\n`,
  )
  let index = counted
  for (let request = 1; request <= requests; request++) {
    index += 1
    const response = await pay(
      `${manifest.exampleApiUrl}/weather?city=${cities[index % cities.length]}`,
    )
    const receipt = readReceipt(response)
    const body = await response.text()
    if (response.status !== 200 || !receipt?.success) {
      throw new Error(`request ${index} was not served: HTTP ${response.status} ${body}`)
    }
    process.stdout.write(`${green(`#${index}`)} HTTP ${response.status} ${body}\n`)
    const what = agent.chain === 'EVM' ? 'settled in tx' : 'settled in Solana transaction'
    process.stdout.write(
      `   ${dim(`paid on ${receipt.network}, ${what}`)} ${receipt.transaction}\n`,
    )
  }
  const after = await agent.balances()
  const show = (value: bigint) => {
    const [whole, fraction] = formatAtomicUnits(value, agent.decimals).split('.')
    return `${Number(whole).toLocaleString('en-US')}${fraction ? `.${fraction}` : ''} USDC`
  }
  const row = (label: string, left: string, right: string) =>
    `${label.padEnd(18)}${left.padEnd(20)}${right}\n`
  process.stdout.write(
    `\n${row(`${agent.chain} balances`, 'before', 'after')}` +
      row('  payer', show(before.payer), show(after.payer)) +
      row('  merchant', show(before.merchant), show(after.merchant)) +
      `${green('✓')} ${requests} paid on ${agent.chain}, ${show(before.payer - after.payer)} moved on chain\n`,
  )
  return index
}

const cities = ['Lisbon', 'Nairobi', 'Osaka', 'Lima', 'Oslo', 'Austin']

async function evmBalances(manifest: DevManifest): Promise<{ payer: bigint; merchant: bigint }> {
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

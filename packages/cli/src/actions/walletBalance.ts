/**
 * `tollgate wallet balance`: the native and token balances of an address, read with viem from the
 * devnet in the manifest or from any node given by URL.
 */
import { existsSync } from 'node:fs'
import { formatAtomicUnits } from '@tollgate/core'
import { defaultEvmAssets, rpcClient } from '@tollgate/evm'
import { readManifest } from '@tollgate/manifest'
import { type Address, BaseError, erc20Abi, type PublicClient } from 'viem'
import { dim, note, UserError } from '../ui.ts'

export interface BalanceOptions {
  manifest: string
  rpcUrl?: string
  asset?: Address
  json?: boolean
}

/** An amount in whole units (`amount`) and in the smallest unit (`atomic`), both as strings. */
export interface Holding {
  symbol: string
  decimals: number
  amount: string
  atomic: string
}

/** What `--json` prints; `token` is null when no token is known for the chain. */
export interface Balances {
  address: Address
  network: string
  native: Holding
  token: (Holding & { address: Address }) | null
}

/** Most EVM chains Tollgate pays on (Base, Ethereum, Arbitrum, the devnet) use ether for gas. */
const nativeSymbol = 'ETH'
const nativeDecimals = 18

export async function printBalances(address: Address, options: BalanceOptions): Promise<void> {
  const target = await balanceTarget(options)
  const balances = await readBalances(rpcClient(target.rpcUrl), address, target)
  const token = balances.token
  if (!token) note(dim(`no USDC known on ${balances.network}: pass --asset <token address>`))
  if (options.json) {
    process.stdout.write(`${JSON.stringify(balances, null, 2)}\n`)
    return
  }
  const lines = [
    ['address', balances.address],
    ['network', balances.network],
    ['native', `${balances.native.amount} ${balances.native.symbol}`],
  ]
  if (token) lines.push(['token', `${token.amount} ${token.symbol} (${token.address})`])
  process.stdout.write(
    `${lines.map(([label, value]) => `${label!.padEnd(8)} ${value}`).join('\n')}\n`,
  )
}

export interface BalanceTarget {
  rpcUrl: string
  asset: Address | undefined
}

/** `--rpc-url` (with `--asset` or the chain's USDC), else the devnet of the manifest. */
async function balanceTarget(options: BalanceOptions): Promise<BalanceTarget> {
  if (options.rpcUrl) return { rpcUrl: options.rpcUrl, asset: options.asset }
  if (!existsSync(options.manifest)) {
    throw new UserError(
      `no manifest at ${options.manifest}`,
      'start the local stack with `npx tollgate dev`, or pass --rpc-url <url> (and --asset <token address>)',
    )
  }
  try {
    const manifest = await readManifest(options.manifest)
    return { rpcUrl: manifest.rpcUrl, asset: options.asset ?? manifest.asset.address }
  } catch (error) {
    throw new UserError(`cannot read ${options.manifest}: ${(error as Error).message}`)
  }
}

/** The native and token balances of an address; a failure is a `UserError` saying what to check. */
export async function readBalances(
  client: PublicClient,
  address: Address,
  target: BalanceTarget,
): Promise<Balances> {
  let chainId: number
  let wei: bigint
  try {
    ;[chainId, wei] = await Promise.all([client.getChainId(), client.getBalance({ address })])
  } catch (error) {
    throw new UserError(
      `no RPC answers at ${target.rpcUrl} (${shortMessage(error)})`,
      'start the local stack with `npx tollgate dev`, or check --rpc-url',
    )
  }
  const network = `eip155:${chainId}`
  const asset = target.asset ?? defaultEvmAssets[network]?.address
  return {
    address,
    network,
    native: holding(nativeSymbol, nativeDecimals, wei),
    token: asset ? await readToken(client, asset, address, network) : null,
  }
}

async function readToken(
  client: PublicClient,
  asset: Address,
  owner: Address,
  network: string,
): Promise<Holding & { address: Address }> {
  const read = <Name extends 'decimals' | 'symbol'>(functionName: Name) =>
    client.readContract({ address: asset, abi: erc20Abi, functionName })
  try {
    const [atomic, decimals, symbol] = await Promise.all([
      client.readContract({
        address: asset,
        abi: erc20Abi,
        functionName: 'balanceOf',
        args: [owner],
      }),
      read('decimals'),
      // Some old tokens return bytes32 here; the balance is still worth showing.
      read('symbol').catch(() => 'tokens'),
    ])
    return { address: asset, ...holding(symbol, decimals, atomic) }
  } catch (error) {
    throw new UserError(
      `cannot read the token ${asset} on ${network} (${shortMessage(error)})`,
      'check --asset: it must be an ERC-20 contract on this chain',
    )
  }
}

function holding(symbol: string, decimals: number, atomic: bigint): Holding {
  return {
    symbol,
    decimals,
    amount: formatAtomicUnits(atomic, decimals),
    atomic: atomic.toString(),
  }
}

/** viem's one-line summary rather than its multi-line report (request body, version, docs). */
function shortMessage(error: unknown): string {
  if (error instanceof BaseError) return error.shortMessage
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error)
}

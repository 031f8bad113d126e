/**
 * `tollgate wallet fund`: test USDC and gas for a wallet on the local devnet, minted by the
 * devnet's deployer (a public anvil key that owns the test token). Refused on any other chain.
 */
import { formatAtomicUnits, toAtomicUnits } from '@tollgate/core'
import { ANVIL_ACCOUNTS, DEVNET_ROLES, fundDevnet, isDevnetError } from '@tollgate/devnet'
import { rpcClient } from '@tollgate/evm'
import { readManifest } from '@tollgate/manifest'
import { type Address, BaseError, getAddress, isAddress, parseEther } from 'viem'
import { green, note, UserError } from '../ui.ts'
import { walletAddress } from './wallet.ts'
import { readBalances } from './walletBalance.ts'

export interface FundOptions {
  keystore?: string
  address?: string
  manifest: string
  usdc: string
  eth: string
  json?: boolean
}

export async function fundWallet(options: FundOptions): Promise<void> {
  const manifest = await readManifest(options.manifest).catch((error: Error) => {
    throw new UserError(error.message, '`wallet fund` works on the local devnet only')
  })
  const { address, source } = await recipient(options)
  const usdc = amountOf(options.usdc, manifest.asset.decimals, '--usdc')
  const eth = amountOf(options.eth, 18, '--eth')
  const client = rpcClient(manifest.rpcUrl)
  let version: string
  let chainId: number
  try {
    ;[version, chainId] = await Promise.all([
      client.request({ method: 'web3_clientVersion' }),
      client.getChainId(),
    ])
  } catch (error) {
    throw new UserError(
      `no devnet answers at ${manifest.rpcUrl} (${error instanceof BaseError ? error.shortMessage : String(error)})`,
      'start the local stack with `tollgate dev` (in the folder whose .tollgate/dev.json this is)',
    )
  }
  if (!version.toLowerCase().startsWith('anvil') || chainId !== manifest.chainId) {
    throw new UserError(
      `${manifest.rpcUrl} is not the devnet of ${options.manifest} (it answers as ${version}, chain ${chainId})`,
      'start the local stack with `tollgate dev`; on a real network, fund the wallet from a faucet or an exchange',
    )
  }
  try {
    await fundDevnet({
      rpcUrl: manifest.rpcUrl,
      chainId: manifest.chainId,
      deployerPrivateKey: ANVIL_ACCOUNTS[DEVNET_ROLES.deployer].privateKey,
      token: manifest.asset.address,
      usdc: usdc > 0n ? [{ address, amount: usdc }] : [],
      eth: eth > 0n ? [{ address, amount: eth }] : [],
    })
  } catch (error) {
    if (isDevnetError(error)) throw new UserError(`funding failed: ${error.message}`)
    throw error
  }
  const balances = await readBalances(client, address, {
    rpcUrl: manifest.rpcUrl,
    asset: manifest.asset.address,
  })
  if (options.json) {
    process.stdout.write(`${JSON.stringify(balances, null, 2)}\n`)
    return
  }
  const given = `${formatAtomicUnits(usdc, manifest.asset.decimals)} ${manifest.asset.symbol} and ${formatAtomicUnits(eth, 18)} ETH`
  note(`${green('funded')} ${address} (${source}) with ${given} on ${manifest.network}`)
  const token = balances.token
  process.stdout.write(
    `${address} holds ${token ? `${token.amount} ${token.symbol} and ` : ''}${balances.native.amount} ETH\n`,
  )
}

async function recipient(options: FundOptions): Promise<{ address: Address; source: string }> {
  if (options.address !== undefined) {
    if (!isAddress(options.address, { strict: false }))
      throw new UserError(`--address ${options.address} is not an EVM address`)
    return { address: getAddress(options.address), source: '--address' }
  }
  return walletAddress(options.keystore ? { keystore: options.keystore } : {}, process.env)
}

function amountOf(text: string, decimals: number, flag: string): bigint {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || Number(text) > 1_000_000_000)
    throw new UserError(`${flag} ${text} is not an amount from 0 to 1,000,000,000`)
  return decimals === 18 ? parseEther(text) : toAtomicUnits(text, decimals)
}

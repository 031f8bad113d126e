/**
 * `tollgate wallet channels` and `tollgate wallet withdraw`: the wallet's batch-settlement channels
 * as the escrow holds them (found from its ChannelCreated events), and taking back what a seller
 * never claimed: a withdrawal starts the channel's delay, and the same command finishes it.
 */
import { existsSync } from 'node:fs'
import { formatAtomicUnits } from '@tollgate/core'
import {
  batchSettlementAbi,
  batchSettlementAddresses,
  type ChannelConfig,
  contractChannelConfig,
  rpcClient,
} from '@tollgate/evm'
import { readManifest } from '@tollgate/manifest'
import {
  type Address,
  createWalletClient,
  getAddress,
  type Hex,
  http,
  type LocalAccount,
  type PublicClient,
} from 'viem'
import { loadSigner } from '../agentWallet.ts'
import { dim, green, note, UserError } from '../ui.ts'
import { promptHidden } from './prompt.ts'
import type { KeystoreOptions } from './wallet.ts'
import { walletAddress } from './wallet.ts'

export interface ChannelsOptions extends KeystoreOptions {
  manifest: string
  rpcUrl?: string
  json?: boolean
}

export interface WalletChannel {
  channelId: Hex
  payee: Address
  token: Address
  deposited: string
  claimed: string
  unclaimed: string
  withdrawDelaySeconds: number
  /** Unix seconds after which a pending withdrawal can be finished; absent when none is pending. */
  withdrawableAfter?: number
  config: ChannelConfig
}

async function chainOf(
  options: ChannelsOptions,
): Promise<{ client: PublicClient; rpcUrl: string; decimals: number; symbol: string }> {
  if (options.rpcUrl)
    return {
      client: rpcClient(options.rpcUrl),
      rpcUrl: options.rpcUrl,
      decimals: 6,
      symbol: 'USDC',
    }
  if (!existsSync(options.manifest))
    throw new UserError(
      `no manifest at ${options.manifest}`,
      'start the local stack with `npx tollgate dev`, or pass --rpc-url <url>',
    )
  const manifest = await readManifest(options.manifest)
  return {
    client: rpcClient(manifest.rpcUrl),
    rpcUrl: manifest.rpcUrl,
    decimals: manifest.asset.decimals,
    symbol: manifest.asset.symbol,
  }
}

/** Every channel the escrow opened for `payer`, with its state now. */
export async function channelsOf(client: PublicClient, payer: Address): Promise<WalletChannel[]> {
  const escrow = batchSettlementAddresses.escrow
  const created = await client.getContractEvents({
    address: escrow,
    abi: batchSettlementAbi,
    eventName: 'ChannelCreated',
    fromBlock: 0n,
  })
  const seen = new Map<string, ChannelConfig>()
  for (const log of created) {
    const config = log.args.config
    if (!config || !log.args.channelId || getAddress(config.payer) !== getAddress(payer)) continue
    seen.set(log.args.channelId, { ...config, withdrawDelay: Number(config.withdrawDelay) })
  }
  const channels: WalletChannel[] = []
  for (const [channelId, config] of seen) {
    const id = channelId as Hex
    const [[balance, claimed], [, initiatedAt]] = await Promise.all([
      client.readContract({
        address: escrow,
        abi: batchSettlementAbi,
        functionName: 'channels',
        args: [id],
      }),
      client.readContract({
        address: escrow,
        abi: batchSettlementAbi,
        functionName: 'pendingWithdrawals',
        args: [id],
      }),
    ])
    if (balance === 0n) continue
    channels.push({
      channelId: id,
      payee: getAddress(config.receiver),
      token: getAddress(config.token),
      deposited: balance.toString(),
      claimed: claimed.toString(),
      unclaimed: (balance - claimed).toString(),
      withdrawDelaySeconds: config.withdrawDelay,
      ...(initiatedAt > 0 ? { withdrawableAfter: Number(initiatedAt) + config.withdrawDelay } : {}),
      config,
    })
  }
  return channels
}

export async function printChannels(options: ChannelsOptions): Promise<void> {
  const { address } = await walletAddress(options, process.env)
  const chain = await chainOf(options)
  const channels = await channelsOf(chain.client, address)
  if (options.json) {
    process.stdout.write(
      `${JSON.stringify(
        channels.map(({ config: _config, ...rest }) => rest),
        null,
        2,
      )}\n`,
    )
    return
  }
  if (channels.length === 0) {
    note(dim(`no open channels for ${address}`))
    return
  }
  const units = (value: string) =>
    `${formatAtomicUnits(BigInt(value), chain.decimals)} ${chain.symbol}`
  for (const channel of channels) {
    const pending = channel.withdrawableAfter
      ? ` · withdrawal pending, finish after ${new Date(channel.withdrawableAfter * 1000).toISOString()}`
      : ''
    process.stdout.write(
      `${channel.channelId}  payee ${channel.payee}  deposited ${units(channel.deposited)}  claimed ${units(channel.claimed)}  unclaimed ${units(channel.unclaimed)}${pending}\n`,
    )
  }
}

function isLocalAccount(signer: unknown): signer is LocalAccount {
  return (
    typeof signer === 'object' &&
    signer !== null &&
    typeof Reflect.get(signer, 'signTransaction') === 'function'
  )
}

/** Starts the withdrawal of what is unclaimed, or finishes one whose delay has passed. */
export async function withdrawChannel(channelId: string, options: ChannelsOptions): Promise<void> {
  const chain = await chainOf(options)
  const signer = await loadSigner(options.keystore ? { keystore: options.keystore } : {}, {
    env: process.env,
    promptPassword: promptHidden,
  })
  if (!isLocalAccount(signer)) throw new UserError('this wallet cannot send transactions')
  const channel = (await channelsOf(chain.client, signer.address)).find(
    (found) => found.channelId.toLowerCase() === channelId.toLowerCase(),
  )
  if (!channel)
    throw new UserError(
      `no open channel ${channelId} for ${signer.address}`,
      'list them with `tollgate wallet channels`',
    )
  const units = (value: string | bigint) =>
    `${formatAtomicUnits(BigInt(value), chain.decimals)} ${chain.symbol}`
  const wallet = createWalletClient({ account: signer, transport: http(chain.rpcUrl) })
  const config = contractChannelConfig(channel.config)
  const send = async (data: Parameters<typeof wallet.writeContract>[0]) => {
    const hash = await wallet.writeContract(data)
    const receipt = await chain.client.waitForTransactionReceipt({ hash })
    if (receipt.status !== 'success') throw new UserError(`transaction ${hash} reverted`)
    return hash
  }
  const escrow = batchSettlementAddresses.escrow
  if (channel.withdrawableAfter === undefined) {
    if (BigInt(channel.unclaimed) === 0n)
      throw new UserError('nothing unclaimed to withdraw from this channel')
    const hash = await send({
      address: escrow,
      abi: batchSettlementAbi,
      functionName: 'initiateWithdraw',
      args: [config, BigInt(channel.unclaimed)],
      chain: null,
    })
    const after = (await chain.client.getBlock()).timestamp + BigInt(channel.withdrawDelaySeconds)
    note(
      `${green('withdrawal started')} for ${units(channel.unclaimed)} · tx ${hash} · run this again after ${new Date(Number(after) * 1000).toISOString()} to finish it`,
    )
    return
  }
  const now = Number((await chain.client.getBlock()).timestamp)
  if (now < channel.withdrawableAfter)
    throw new UserError(
      `the withdrawal can be finished after ${new Date(channel.withdrawableAfter * 1000).toISOString()} (${channel.withdrawableAfter - now} s from now)`,
    )
  const hash = await send({
    address: escrow,
    abi: batchSettlementAbi,
    functionName: 'finalizeWithdraw',
    args: [config],
    chain: null,
  })
  note(
    `${green('withdrawn')} ${units(channel.unclaimed)} (what the seller had not claimed) · tx ${hash}`,
  )
}

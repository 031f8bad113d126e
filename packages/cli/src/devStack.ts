import { join } from 'node:path'
import type { Erc8004Identity } from '@tollgate/a2a'
import {
  HttpFacilitatorClient,
  solanaNetworks,
  toAtomicUnits,
  withNetworkNames,
} from '@tollgate/core'
import { dashboardDist } from '@tollgate/dashboard'
import {
  ANVIL_ACCOUNTS,
  type AnvilProcess,
  DEVNET_ROLES,
  deployDevnet,
  fundDevnet,
  type SolanaDevnet,
  startAnvil,
  startSolanaDevnet,
} from '@tollgate/devnet'
import {
  batchSettlementEvmServer,
  type EvmNetworkSetup,
  exactEvmServer,
  FolderChannelStore,
  permit2ApprovalCall,
  rpcClient,
  uptoEvmServer,
} from '@tollgate/evm'
import type { Logger } from '@tollgate/facilitator'
import { openLedger, SqlDiscoveryCatalog, SqlLedgerReports } from '@tollgate/ledger'
import { type DevManifest, writeManifest } from '@tollgate/manifest'
import {
  exactSvmServer,
  type SvmAsset,
  type SvmNetworkSetup,
  svmSignerFromSecretKey,
} from '@tollgate/svm'
import { FolderContentStore, MemoryContentStore } from '@tollgate/trust'
import { type Address, createWalletClient, type Hex, http, keccak256, stringToHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { buildFacilitator } from './buildFacilitator.ts'
import { chains } from './chains.ts'
import { registerExampleAgent } from './exampleAgentIdentity.ts'
import { createExampleApi } from './exampleApi.ts'
import { exampleCredit } from './exampleCredit.ts'
import { type Listening, listen } from './listen.ts'

export interface DevStackOptions {
  /** @default 8545 */
  rpcPort?: number
  /** @default 4020 */
  facilitatorPort?: number
  /** @default 4021 */
  apiPort?: number
  /** The embedded Solana devnet's JSON-RPC port. @default 8899 */
  solanaPort?: number
  /** @default 31337 */
  chainId?: number
  /** Where to write the manifest; undefined writes none. */
  manifestPath?: string | undefined
  /** Folder for the facilitator's ledger (one sub-folder per devnet); undefined keeps it in memory. */
  ledgerDir?: string | undefined
  /** Batched settlement through Multicall3. @default { maxSize: 100, maxWaitMs: 0 } */
  batch?: { maxSize: number; maxWaitMs: number } | false
  /** Called with a line per step, for progress output. */
  onProgress?: (step: string) => void
  logger?: Logger
}

export interface DevStack {
  manifest: DevManifest
  /** The embedded Solana devnet, running in this process (its fee payer's key, `advance()`). */
  solanaDevnet: SolanaDevnet
  stop(): Promise<void>
}

/** Test USDC minted to the payer: 1,000,000 dollars. */
const payerFundingUsd = '1000000'
const examplePrice = '$0.001'
/**
 * The dev facilitator's batch-settlement receiver authorizer: a key that only signs (claims,
 * refunds), derived from a fixed phrase so every dev stack advertises the same address.
 */
const devReceiverAuthorizerKey = keccak256(stringToHex('tollgate dev receiver authorizer'))

/**
 * The local stack in one call: anvil with TestUSDC and Multicall3, a funded payer, the embedded
 * Solana devnet (answering as Solana devnet, with a local test USDC mint), the facilitator for
 * both and the example paid API. On failure, whatever was started is stopped again.
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const progress = options.onProgress ?? (() => undefined)
  const chainId = options.chainId ?? 31337
  const network = `eip155:${chainId}`
  const started: Array<() => Promise<void>> = []
  const stop = async () => {
    for (const stopPart of started.reverse()) await stopPart().catch(() => undefined)
    started.length = 0
  }
  try {
    // The states of the last 128 blocks, deeper than any reorganisation a test makes: keeping
    // every one, anvil writes each new block's state to disk once its cache is full, and a stack
    // that has mined a thousand blocks settles more slowly with each one.
    const anvil: AnvilProcess = await startAnvil({
      port: options.rpcPort ?? 8545,
      chainId,
      statesKept: 128,
    })
    started.push(() => anvil.stop())
    progress(`anvil (chain ${chainId}) listening on ${anvil.rpcUrl}`)

    progress(
      'deploying TestUSDC, Multicall3, Permit2, the x402 Permit2 proxies and the batch-settlement escrow',
    )
    const deployer = ANVIL_ACCOUNTS[DEVNET_ROLES.deployer]
    const payer = ANVIL_ACCOUNTS[DEVNET_ROLES.payer]
    const merchant = ANVIL_ACCOUNTS[DEVNET_ROLES.merchant]
    const facilitatorAccount = ANVIL_ACCOUNTS[DEVNET_ROLES.facilitator]
    const contracts = await deployDevnet({
      rpcUrl: anvil.rpcUrl,
      chainId,
      deployerPrivateKey: deployer.privateKey,
    })
    const token = contracts.token

    progress(
      `funding the payer with ${Number(payerFundingUsd).toLocaleString('en-US')} test USDC (and its Permit2 approval)`,
    )
    await fundDevnet({
      rpcUrl: anvil.rpcUrl,
      chainId,
      deployerPrivateKey: deployer.privateKey,
      token: token.address,
      usdc: [{ address: payer.address, amount: toAtomicUnits(payerFundingUsd, token.decimals) }],
      ethBalance: [{ address: facilitatorAccount.address, balance: 10n ** 22n }],
    })
    // The payer approves Permit2 once, as a wallet would, so Permit2 and `upto` routes can be paid.
    await approvePermit2(anvil.rpcUrl, payer.privateKey, token.address)

    const solanaPort = options.solanaPort ?? 8899
    // Labelled as Solana devnet: the official @x402/svm packages accept no other id.
    const solana = await startSolanaDevnet({ port: solanaPort, network: solanaNetworks.devnet })
    started.push(() => solana.stop())
    progress(`the embedded Solana devnet listening on ${solana.rpcUrl}`)
    // The network id maps to the public devnet USDC in default tables: name the local mint.
    const solanaAsset: SvmAsset = {
      address: solana.mint,
      decimals: solana.decimals,
      symbol: 'USDC',
    }

    const asset = { ...token, symbol: token.symbol }
    const genesis = await rpcClient(anvil.rpcUrl).getBlock({ blockNumber: 0n })
    // A devnet is new each time, so is its ledger: one folder per chain (genesis block).
    const ledger = await openLedger(
      options.ledgerDir
        ? { dataDir: join(options.ledgerDir, `${chainId}-${genesis.hash.slice(2, 14)}`) }
        : {},
    )
    started.push(() => ledger.close())
    const vouchers = batchSettlementEvmServer({
      assets: { [network]: asset },
      // The seller's charged vouchers live with the dev ledger (in memory without one).
      ...(options.ledgerDir
        ? {
            store: new FolderChannelStore(
              join(options.ledgerDir, `${chainId}-${genesis.hash.slice(2, 14)}`, 'channels'),
            ),
          }
        : {}),
    })
    // `GET /report` of the example API serves agents the merchant rated well before settlement.
    const credit = exampleCredit({
      sql: ledger.sql,
      rpcUrl: anvil.rpcUrl,
      chainId,
      multicall3: contracts.multicall3,
      network,
      registries: contracts.canonical,
      reviewer: merchant.address,
    })
    const evmSetup: EvmNetworkSetup = {
      network,
      rpcUrl: anvil.rpcUrl,
      signerKeys: [facilitatorAccount.privateKey],
      assets: [asset],
      multicall3: contracts.multicall3,
    }
    const svmSetup: SvmNetworkSetup = {
      network: solana.network,
      rpcUrl: solana.rpcUrl,
      feePayers: [await svmSignerFromSecretKey(solana.feePayer.secretKey)],
      assets: [solanaAsset],
    }
    const built = await buildFacilitator({
      networks: [evmSetup, svmSetup],
      ledger,
      chainOptions: {
        eip155: {
          batchSettlementAuthorizerKey: devReceiverAuthorizerKey,
          // A local stack has no API keys: the example seller and the dev wallet share the machine.
          batchSettlementRefunds: 'any-caller',
        },
      },
      // `tollgate ledger` reads it; no admin token on a local dev stack.
      app: {
        ledger: { ledger },
        // Prometheus text on /metrics, open as the ledger API is on a local stack.
        metrics: {},
        // The dashboard at /dashboard/, its API open like the ledger's (a local stack).
        dashboard: {
          reports: new SqlLedgerReports(ledger.sql),
          staticDir: dashboardDist,
          // The devnets are local: the Solana one takes the public devnet's id, not its explorer.
          chains: chains.map((chain) =>
            withNetworkNames(chain, {
              [solana.network]: { label: 'Solana (local devnet)' },
              [network]: { label: `local devnet (anvil, chain ${chainId})` },
            }),
          ),
          // The example seller's charges, so the channels view shows what is not claimed yet.
          channelCharges: async () =>
            (await vouchers.channels.list()).map(({ channel }) => ({
              network,
              channelId: channel.channelId,
              charged: channel.chargedCumulativeAmount,
            })),
          assets: [
            { network, ...asset },
            { network: solana.network, ...solanaAsset },
          ],
          // What the example seller extends on credit, for the credit view.
          credit: credit.dashboardRows,
        },
      },
      // `tollgate discover` reads the catalogue, kept in the dev ledger's database.
      catalog: new SqlDiscoveryCatalog(ledger.sql),
      batch: options.batch ?? { maxSize: 100, maxWaitMs: 0 },
      ...(options.logger ? { logger: options.logger } : {}),
    })
    started.push(() => built.close())
    const facilitatorApp = built.app
    const facilitator: Listening = await listen(facilitatorApp, options.facilitatorPort ?? 4020)
    started.push(() => facilitator.close())
    progress(`the facilitator listening on ${facilitator.url}`)

    // The example seller claims its vouchers every few seconds, long before any payer could
    // withdraw them (the withdraw delay is 15 minutes).
    const claiming = vouchers.channels.startClaiming({
      network,
      payTo: merchant.address,
      token: asset.address,
      facilitator: new HttpFacilitatorClient({ url: facilitator.url }),
      intervalMs: 5_000,
      onError: (error) =>
        options.logger?.warn({ err: error }, 'example API voucher claims failed; retrying'),
    })
    started.push(() => claiming.stop())
    let merchantAgent: Erc8004Identity | undefined
    const api = await listen(
      createExampleApi({
        network,
        payTo: merchant.address,
        facilitatorUrl: facilitator.url,
        solana: { network: solana.network, payTo: solana.merchant.address },
        schemes: [
          exactEvmServer({ assets: { [network]: asset } }),
          uptoEvmServer({ assets: { [network]: asset } }),
          vouchers,
          exactSvmServer({ assets: { [solana.network]: solanaAsset } }),
        ],
        price: examplePrice,
        contentStore: options.ledgerDir
          ? new FolderContentStore(
              join(options.ledgerDir, `${chainId}-${genesis.hash.slice(2, 14)}`, 'content'),
            )
          : new MemoryContentStore(),
        credit: credit.credit,
        agentIdentity: () => merchantAgent,
      }),
      options.apiPort ?? 4021,
    )
    started.push(() => api.close())
    progress(`the example API listening on ${api.url}`)
    progress('registering the example merchant agent in ERC-8004')
    merchantAgent = await registerExampleAgent({
      rpcUrl: anvil.rpcUrl,
      chainId,
      multicall3: contracts.multicall3,
      registries: contracts.canonical,
      merchantKey: merchant.privateKey,
      apiUrl: api.url,
    })

    const manifest: DevManifest = {
      network,
      chainId,
      rpcUrl: anvil.rpcUrl,
      facilitatorUrl: facilitator.url,
      exampleApiUrl: api.url,
      asset: {
        address: token.address,
        name: token.name,
        version: token.version,
        decimals: token.decimals,
        symbol: token.symbol,
      },
      accounts: {
        payer: { address: payer.address, privateKey: payer.privateKey },
        merchant: { address: merchant.address },
        facilitator: { address: facilitatorAccount.address },
        receiverAuthorizer: { address: privateKeyToAccount(devReceiverAuthorizerKey).address },
      },
      routes: [
        {
          method: 'GET',
          path: '/weather',
          price: examplePrice,
          amount: toAtomicUnits(examplePrice, token.decimals).toString(),
        },
      ],
      multicall3: contracts.multicall3,
      erc8004: {
        identityRegistry: contracts.canonical.identityRegistry,
        reputationRegistry: contracts.canonical.reputationRegistry,
        validationRegistry: contracts.canonical.validationRegistry,
        contentUrl: api.url,
        merchantAgentId: String(merchantAgent.agentId),
      },
      solana: {
        network: solana.network,
        rpcUrl: solana.rpcUrl,
        mint: solana.mint,
        decimals: solana.decimals,
        payer: { address: solana.payer.address, secretKey: solana.payer.secretKey },
        // The fee payer's key stays in this process: it pays every buyer's fees.
        feePayer: { address: solana.feePayer.address },
      },
    }
    if (options.manifestPath) {
      await writeManifest(options.manifestPath, manifest)
      progress(`wrote ${options.manifestPath}`)
    }
    return { manifest, solanaDevnet: solana, stop }
  } catch (error) {
    await stop()
    throw error
  }
}

async function approvePermit2(rpcUrl: string, privateKey: Hex, token: Address): Promise<void> {
  const wallet = createWalletClient({
    account: privateKeyToAccount(privateKey),
    transport: http(rpcUrl),
  })
  const hash = await wallet.sendTransaction({ ...permit2ApprovalCall(token), chain: null })
  await rpcClient(rpcUrl).waitForTransactionReceipt({ hash })
}

/**
 * An embedded Solana devnet: litesvm in this process, blocks on a timer, and a Solana JSON-RPC
 * endpoint on a local port that @solana/kit clients (and the official @x402/svm client and
 * facilitator) can use as they would use a cluster.
 * @module
 */
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createAdaptorServer } from '@hono/node-server'
import { DevnetError } from '../errors.ts'
import { accountMethods } from './rpcAccountMethods.ts'
import { clusterMethods } from './rpcClusterMethods.ts'
import { createRpcApp } from './rpcServer.ts'
import { transactionMethods } from './rpcTransactionMethods.ts'
import { SolanaChain } from './solanaChain.ts'
import { SOLANA_DEVNET_DECIMALS, writeSolanaGenesis } from './solanaGenesis.ts'

export type StartSolanaDevnetOptions = {
  /** TCP port of the RPC endpoint; 0 or omitted picks a free one. */
  port?: number
  /**
   * Interface to listen on. @default '127.0.0.1'. The devnet's keys are public: listen on a
   * non-loopback interface only on a private network.
   */
  host?: string
  /** Milliseconds between blocks; 0 produces blocks only on `advance()`. @default 400 */
  blockTimeMs?: number
  /**
   * The CAIP-2 id the devnet answers as. The official `@x402/svm` 2.27 client and facilitator
   * accept only the public clusters' ids, so a stack that lets them pay here labels the devnet
   * as Solana devnet (`solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1`). Only the label changes: the
   * mint, the keys and the state stay local.
   * @default `solana:<first 32 chars of the genesis hash>` (`solana:CmpNeggWJ4JaWJeJ8YKN1Zypmk7uvQq3`)
   */
  network?: string
  /**
   * Blocks after which a landed transaction is `finalized`. Before, its status is `processed` (in
   * the newest block) then `confirmed`, and `dropTransaction` can take it back, as a cluster does
   * when a fork is abandoned. 0 finalizes every transaction as it lands, the fastest for tests
   * that do not look at finality. Solana finalizes after about 32 blocks.
   * @default 0
   */
  slotsToFinalize?: number
}

/** A running Solana devnet. */
export interface SolanaDevnet {
  /**
   * CAIP-2 id: the `network` option, else `solana:<first 32 chars of the genesis hash>`. litesvm
   * has no genesis-hash API; its initial blockhash (sha256 of "genesis", the same in every run)
   * serves as block 0's hash, so the default is always `solana:CmpNeggWJ4JaWJeJ8YKN1Zypmk7uvQq3`.
   */
  network: string
  /** The JSON-RPC endpoint, `http://127.0.0.1:<port>`. */
  rpcUrl: string
  /** A USDC-like classic SPL Token mint with 6 decimals and a fixed supply, all held by `payer`. */
  mint: string
  decimals: 6
  /** Funded with 1,000 SOL and 1,000,000 test USDC in its associated token account. */
  payer: { address: string; secretKey: string }
  /** Funded with 1,000 SOL only: the facilitator's fee payer. */
  feePayer: { address: string; secretKey: string }
  /** Has an (empty) associated token account for `mint`, so payments to it need no ATA creation. */
  merchant: { address: string }
  /**
   * Produces `slots` blocks (default 1), each with a new slot and blockhash. A blockhash stays
   * valid for 150 blocks after the block that issued it, as on Solana.
   */
  advance(slots?: number): void
  /**
   * For tests: takes back a landed transaction that is not yet finalized (see `slotsToFinalize`),
   * and every transaction that landed after it, as if their fork were abandoned. Their accounts
   * return to their state before them and their statuses are forgotten, so the same signed
   * transaction can land again while its blockhash is valid; with `resendsLostForSlots`, sends of
   * it are accepted and lost for that many blocks first. Accounts changed outside transactions
   * (genesis writes) after it are put back too. Returns the signatures taken back, newest first.
   * @throws DevnetError `INVALID_OPTIONS` when the transaction is unknown or already finalized.
   */
  dropTransaction(signature: string, options?: { resendsLostForSlots?: number }): string[]
  /** Stops block production and closes the endpoint, freeing its port. Safe to call twice. */
  stop(): Promise<void>
}

/** A CAIP-2 id in the `solana` namespace: the first 32 base58 characters of a genesis hash. */
const solanaNetworkPattern = /^solana:[1-9A-HJ-NP-Za-km-z]{32}$/

/** The most blocks one `advance()` call may produce. */
const ADVANCE_SLOTS_MAX = 100_000

/**
 * Starts a Solana devnet with an RPC endpoint on a local port. Addresses and keys are the same in
 * every run.
 * @throws DevnetError `INVALID_OPTIONS`, or `SOLANA_START_FAILED` (e.g. the port is in use).
 * @example
 * const devnet = await startSolanaDevnet({ blockTimeMs: 0 })
 * try {
 *   const rpc = createSolanaRpc(devnet.rpcUrl)
 *   const { value } = await rpc.getBalance(address(devnet.payer.address)).send()
 * } finally {
 *   await devnet.stop()
 * }
 */
export async function startSolanaDevnet(
  options: StartSolanaDevnetOptions = {},
): Promise<SolanaDevnet> {
  const port = options.port ?? 0
  const host = options.host ?? '127.0.0.1'
  const blockTimeMs = options.blockTimeMs ?? 400
  requireInteger('port', port, 0, 65_535)
  requireInteger('blockTimeMs', blockTimeMs, 0, 3_600_000)
  const slotsToFinalize = options.slotsToFinalize ?? 0
  requireInteger('slotsToFinalize', slotsToFinalize, 0, 10_000)
  if (host.trim() === '') throw invalid('host must not be empty')
  if (options.network !== undefined && !solanaNetworkPattern.test(options.network)) {
    throw invalid(
      `network must be a Solana CAIP-2 id (solana:<32 base58 chars>), got ${options.network}`,
    )
  }
  const chain = new SolanaChain(Date.now, { slotsToFinalize })
  const genesis = await writeSolanaGenesis(chain)
  const methods = new Map([
    ...clusterMethods(chain),
    ...accountMethods(chain),
    ...transactionMethods(chain),
  ])
  const server = await listen(createRpcApp(methods).fetch, host, port)
  const timer = blockTimeMs === 0 ? undefined : setInterval(() => chain.produceBlock(), blockTimeMs)
  // The endpoint keeps the process alive while it is open; the block timer alone should not.
  timer?.unref()
  let stopping: Promise<void> | undefined
  const boundPort = (server.address() as AddressInfo).port
  return {
    network: options.network ?? `solana:${chain.genesisHash.slice(0, 32)}`,
    rpcUrl: `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`,
    mint: genesis.mint,
    decimals: SOLANA_DEVNET_DECIMALS,
    payer: { address: genesis.payer.address, secretKey: genesis.payer.secretKey },
    feePayer: { address: genesis.feePayer.address, secretKey: genesis.feePayer.secretKey },
    merchant: { address: genesis.merchant.address },
    advance(slots = 1) {
      requireInteger('slots', slots, 1, ADVANCE_SLOTS_MAX, 'advance')
      for (let produced = 0; produced < slots; produced += 1) chain.produceBlock()
    },
    dropTransaction(signature, dropOptions = {}) {
      const lostSlots = dropOptions.resendsLostForSlots ?? 0
      requireInteger('resendsLostForSlots', lostSlots, 0, ADVANCE_SLOTS_MAX, 'dropTransaction')
      const dropped = chain.drop(signature, { resendsLostForSlots: lostSlots })
      if (dropped === undefined) {
        throw invalid(
          `${signature} is not a landed transaction that is not yet finalized`,
          'dropTransaction',
        )
      }
      return dropped
    },
    stop() {
      clearInterval(timer)
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return stopping
    },
  }
}

function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  host: string,
  port: number,
): Promise<Server> {
  const server = createAdaptorServer({ fetch, hostname: host }) as Server
  // As in the CLI's listen(): a long announced keep-alive makes the race between a client reusing
  // an idle connection and the server closing it rare; stop() ends idle connections itself.
  server.keepAliveTimeout = 30_000
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const where = `${host}:${port === 0 ? '(free port)' : port}`
      const hint = error.code === 'EADDRINUSE' ? ': the port is in use, choose another' : ''
      const message = `startSolanaDevnet on ${where}: ${error.message}${hint}`
      reject(new DevnetError('SOLANA_START_FAILED', message, { cause: error }))
    })
    server.listen(port, host, () => resolve(server))
  })
}

function requireInteger(
  name: string,
  value: number,
  min: number,
  max: number,
  caller = 'startSolanaDevnet',
): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw invalid(`${name} must be an integer in [${min}, ${max}], got ${value}`, caller)
  }
}

function invalid(message: string, caller = 'startSolanaDevnet'): DevnetError {
  return new DevnetError('INVALID_OPTIONS', `${caller}: ${message}`)
}

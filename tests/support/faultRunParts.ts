/**
 * The processes of the randomised fault run: the facilitator (its own process, embedded ledger in
 * a folder, RPC through the fault proxy) and the paid API (its own process, folder store), each
 * on a fixed port so kill -9 and a restart leave every URL as it was.
 */
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { devnetChain } from '@tollgate/devnet'
import { type DevManifest, rpcClient } from 'tollgate'
import { type Address, createWalletClient, erc20Abi, type Hex, http } from 'viem'
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import type { FaultRunServerConfig, HandlerRun } from './faultRunServer.ts'
import { type FacilitatorChild, spawnFacilitator } from './spawnFacilitator.ts'
import { freePort } from './spawnPaidServer.ts'

const root = resolve(import.meta.dirname, '../..')
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href

/** A process the run kills with SIGKILL and starts again where it was. */
export interface Restartable {
  url: string
  /** kill -9, wait for the exit, start again with the same settings. */
  crash(): Promise<void>
  /** SIGTERM and wait; `start` brings it back. */
  stop(): Promise<void>
  start(): Promise<void>
  /** Milliseconds each start took, until the process listened. */
  startsMs: number[]
}

interface Child {
  pid: number
  exited: Promise<string>
  stop(): Promise<string>
}

async function restartable(url: string, start: () => Promise<Child>): Promise<Restartable> {
  const startsMs: number[] = []
  const launch = async () => {
    const started = Date.now()
    const launched = await start()
    startsMs.push(Date.now() - started)
    return launched
  }
  let child: Child | undefined = await launch()
  return {
    url,
    startsMs,
    async crash() {
      const current = child
      if (!current) return
      child = undefined
      process.kill(current.pid, 'SIGKILL')
      await current.exited
      child = await launch()
    },
    async stop() {
      const current = child
      child = undefined
      await current?.stop()
    },
    async start() {
      child ??= await launch()
    },
  }
}

/** The facilitator on `dataDir`, reading the chain through `rpcUrl` (the fault proxy). */
export async function startRunFacilitator(
  manifest: DevManifest,
  options: { rpcUrl: string; signerKey: Hex; dataDir: string },
): Promise<Restartable> {
  const port = await freePort()
  const config = {
    rpcUrl: options.rpcUrl,
    network: manifest.network,
    signerKey: options.signerKey,
    asset: manifest.asset,
    multicall3: manifest.multicall3,
    ledger: { dataDir: options.dataDir },
    port,
    receiptTimeoutMs: 2_000,
    leaseMs: 3_000,
    // Frequent watching, so a reorganised or dropped settlement is found and sent again soon.
    recoveryIntervalMs: 200,
  }
  const launch = (): Promise<FacilitatorChild> => spawnFacilitator(config)
  return restartable(`http://127.0.0.1:${port}`, launch)
}

/** The paid API of faultRunServer.ts on `folder`, its handler runs logged to `runsFile`. */
export async function startRunServer(
  manifest: DevManifest,
  options: { facilitatorUrl: string; folder: string; runsFile: string },
): Promise<Restartable> {
  const settings: FaultRunServerConfig = {
    port: await freePort(),
    facilitatorUrl: options.facilitatorUrl,
    network: manifest.network,
    asset: manifest.asset,
    payTo: manifest.accounts.merchant.address,
    folder: options.folder,
    runsFile: options.runsFile,
  }
  const launch = () => spawnServer(settings)
  return restartable(`http://127.0.0.1:${settings.port}`, launch)
}

function spawnServer(settings: FaultRunServerConfig): Promise<Child> {
  const child = spawn(
    process.execPath,
    ['--import', tsxLoader, join(import.meta.dirname, 'faultRunServer.ts')],
    {
      env: { ...process.env, FAULT_RUN_SERVER: JSON.stringify(settings) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let output = ''
  const exited = new Promise<string>((done) =>
    child.on('exit', (code, signal) => done(signal ?? String(code))),
  )
  return new Promise((done, fail) => {
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk
    })
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk
      if (!output.includes('{"url"')) return
      done({
        pid: child.pid!,
        exited,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
          return exited
        },
      })
    })
    void exited.then((how) =>
      fail(new Error(`fault-run server exited (${how}) before listening:\n${output}`)),
    )
  })
}

/** The handler runs logged so far, in order. */
export async function handlerRunsOf(runsFile: string): Promise<HandlerRun[]> {
  const text = await readFile(runsFile, 'utf8').catch(() => '')
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as HandlerRun)
}

/** Fresh payers, each given `units` of the stack's token by the stack's payer (no gas needed). */
export async function fundedPayers(
  manifest: DevManifest,
  count: number,
  units: bigint,
): Promise<PrivateKeyAccount[]> {
  const chain = devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3!)
  const funder = createWalletClient({
    account: privateKeyToAccount(manifest.accounts.payer.privateKey as Hex),
    chain,
    transport: http(manifest.rpcUrl),
  })
  const client = rpcClient(manifest.rpcUrl)
  const payers = Array.from({ length: count }, () => privateKeyToAccount(generatePrivateKey()))
  for (const payer of payers) {
    const hash = await funder.writeContract({
      address: manifest.asset.address as Address,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [payer.address, units],
    })
    await client.waitForTransactionReceipt({ hash })
  }
  return payers
}

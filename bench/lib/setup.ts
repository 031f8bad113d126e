import { mkdtempSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  facilitatorRequestBody,
  type PaymentPayload,
  type PaymentRequirements,
} from '@tollgate/core'
import {
  ANVIL_ACCOUNTS,
  type AnvilProcess,
  DEVNET_ROLES,
  deployDevnet,
  fundDevnet,
  startAnvil,
} from '@tollgate/devnet'
import { exactEvmClient } from '@tollgate/evm'
import type { Address } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import type { ServiceEnv } from '../services/env.ts'
import { type Service, startCliFacilitator, startService } from './service.ts'

export interface Bench {
  anvil: AnvilProcess
  env: ServiceEnv
  requirements: PaymentRequirements
  payer: Address
  /** A fresh signed payment for the requirements, as a facilitator request body. */
  sign(): Promise<string>
  facilitators: { tollgate: Service; reference: Service }
  stop(): Promise<void>
}

/**
 * One devnet, a funded payer, and both facilitators in their own processes. Tollgate's ledger is
 * on disk, as `tollgate facilitator` keeps it, in a temporary folder unless one is given.
 */
export async function setUpBench(
  options: { tollgateLedgerDir?: string; reference?: boolean } = {},
): Promise<Bench> {
  // Every state kept, anvil writes each block's to disk once its cache is full, and the chain
  // slows as the run goes on: later sections would pay for earlier ones.
  const anvil = await startAnvil({ port: 0, statesKept: 64 })
  const chainId = anvil.chainId
  const network = `eip155:${chainId}` as const
  const deployer = ANVIL_ACCOUNTS[DEVNET_ROLES.deployer]
  const payer = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.payer].privateKey)
  const merchant = ANVIL_ACCOUNTS[DEVNET_ROLES.merchant].address
  const { token, multicall3 } = await deployDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId,
    deployerPrivateKey: deployer.privateKey,
  })
  await fundDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId,
    deployerPrivateKey: deployer.privateKey,
    token: token.address,
    usdc: [{ address: payer.address, amount: 10n ** 15n }],
  })
  const scratch = options.tollgateLedgerDir
    ? undefined
    : mkdtempSync(join(tmpdir(), 'tollgate-bench-'))
  const env: ServiceEnv = {
    rpcUrl: anvil.rpcUrl,
    network,
    asset: token,
    payTo: merchant,
    facilitatorUrl: '',
    key: ANVIL_ACCOUNTS[1].privateKey,
    multicall3,
    ledgerDir: options.tollgateLedgerDir ?? join(scratch!, 'ledger'),
  }
  const tollgate = await startCliFacilitator(env, {
    batchMaxWaitMs: Number(process.env.BENCH_BATCH_WAIT_MS ?? 0),
  })
  const reference =
    options.reference === false
      ? tollgate
      : await startService('referenceFacilitator.ts', { ...env, key: ANVIL_ACCOUNTS[4].privateKey })
  const facilitators = { tollgate, reference }
  const requirements: PaymentRequirements = {
    scheme: 'exact',
    network,
    amount: '1000',
    asset: token.address,
    payTo: merchant,
    maxTimeoutSeconds: 3600,
    extra: { name: token.name, version: token.version },
  }
  const client = exactEvmClient({ signer: payer })
  return {
    anvil,
    env,
    requirements,
    payer: payer.address,
    facilitators,
    async sign() {
      const payload: PaymentPayload = {
        x402Version: 2,
        resource: { url: 'http://bench/paid' },
        accepted: requirements,
        payload: await client.createPayload(requirements, { x402Version: 2 }),
      }
      return JSON.stringify(facilitatorRequestBody(payload, requirements))
    },
    async stop() {
      for (const service of new Set(Object.values(facilitators))) await service.stop()
      await anvil.stop()
      if (scratch) rmSync(scratch, { recursive: true, force: true })
    },
  }
}

/**
 * Keep-alive connections for the load generator. Node's `fetch` spent about 0.45 ms of CPU per
 * request here, as much as Tollgate's facilitator spent answering a verify: on two shared cores
 * the load generator took CPU from whichever service it measured. `node:http` takes a fraction.
 */
const loadAgent = new http.Agent({ keepAlive: true, maxSockets: 1024 })

/** POSTs a request body; the answer must satisfy `accept`, or the run is void. */
export function post(
  url: string,
  body: string,
  accept: (json: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      {
        method: 'POST',
        agent: loadAgent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('error', reject)
        response.on('end', () => {
          try {
            const json = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<
              string,
              unknown
            >
            if (!accept(json))
              throw new Error(`${url} answered ${JSON.stringify(json).slice(0, 300)}`)
            resolve(json)
          } catch (error) {
            reject(error)
          }
        })
      },
    )
    request.on('error', reject)
    request.end(body)
  })
}

export type Side = 'tollgate' | 'reference'
export const sides: Side[] = ['tollgate', 'reference']

export const log = (line: string) => process.stderr.write(`bench: ${line}\n`)

export function ratio(ours: number, theirs: number): number {
  return Math.round((ours / theirs) * 1000) / 1000
}

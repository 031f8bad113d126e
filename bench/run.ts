/**
 * Tollgate against the official x402 packages, side by side on one devnet in one run.
 * Each facilitator and each API runs in its own process; this process only generates load.
 * Prints JSON: absolute figures for both sides and the ratios (Tollgate / reference).
 */
import os from 'node:os'
import { readReceipt, wrapFetch } from '@tollgate/client'
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
import { ExactEvmScheme as OfficialEvmClient } from '@x402/evm/exact/client'
import { wrapFetchWithPayment, x402Client } from '@x402/fetch'
import { rpcClient } from 'tollgate'
import type { Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { medianRun, type RunFigures, round, runLoad } from './lib/load.ts'
import { type Service, startService } from './lib/service.ts'
import type { ServiceEnv } from './services/env.ts'

const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const scale = Number(process.env.BENCH_SCALE ?? 1)
const log = (line: string) => process.stderr.write(`bench: ${line}\n`)
let anvil: AnvilProcess

async function main() {
  const chainId = anvil.chainId
  const network = `eip155:${chainId}` as const
  const deployer = ANVIL_ACCOUNTS[DEVNET_ROLES.deployer]
  const payer = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.payer].privateKey)
  const merchant = ANVIL_ACCOUNTS[DEVNET_ROLES.merchant].address
  const { token } = await deployDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId,
    deployerPrivateKey: deployer.privateKey,
  })
  await fundDevnet({
    rpcUrl: anvil.rpcUrl,
    chainId,
    deployerPrivateKey: deployer.privateKey,
    token: token.address,
    usdc: [{ address: payer.address, amount: 10n ** 12n }],
  })
  const base = { rpcUrl: anvil.rpcUrl, network, asset: token, payTo: merchant, facilitatorUrl: '' }
  const facilitators = {
    tollgate: await startService('tollgateFacilitator.ts', {
      ...base,
      key: ANVIL_ACCOUNTS[1].privateKey,
    }),
    reference: await startService('referenceFacilitator.ts', {
      ...base,
      key: ANVIL_ACCOUNTS[4].privateKey,
    }),
  }
  const requirements: PaymentRequirements = {
    scheme: 'exact',
    network,
    amount: '1000',
    asset: token.address,
    payTo: merchant,
    maxTimeoutSeconds: 3600,
    extra: { name: token.name, version: token.version },
  }
  const signer = exactEvmClient({ signer: payer })
  const sign = async (): Promise<string> => {
    const payload: PaymentPayload = {
      x402Version: 2,
      resource: { url: 'http://bench/paid' },
      accepted: requirements,
      payload: await signer.createPayload(requirements, { x402Version: 2 }),
    }
    return JSON.stringify(facilitatorRequestBody(payload, requirements))
  }

  const verify = await benchVerify(
    facilitators,
    await Promise.all(Array.from({ length: 64 }, sign)),
  )
  const settle = await benchSettle(facilitators, sign)
  const endToEnd = await benchEndToEnd(
    facilitators,
    { ...base, key: ANVIL_ACCOUNTS[1].privateKey },
    payer.address,
  )
  for (const service of Object.values(facilitators)) service.stop()

  const result = {
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model,
      node: process.version,
      note: 'shared 2-core box; each side in its own process; anvil automine',
    },
    rounds,
    verify,
    settle,
    endToEnd,
    ratios: {
      verifyPerSecondC1: ratio(verify.c1.tollgate.perSecond, verify.c1.reference.perSecond),
      verifyPerSecondC16: ratio(verify.c16.tollgate.perSecond, verify.c16.reference.perSecond),
      verifyP50C1: ratio(verify.c1.tollgate.p50Ms, verify.c1.reference.p50Ms),
      verifyP99C16: ratio(verify.c16.tollgate.p99Ms, verify.c16.reference.p99Ms),
      verifyCpuPerRequest: ratio(
        verify.c1.tollgate.cpuMsPerRequest,
        verify.c1.reference.cpuMsPerRequest,
      ),
      settlePerSecondC1: ratio(settle.c1.tollgate.perSecond, settle.c1.reference.perSecond),
      settlePerSecondC16: ratio(settle.c16.tollgate.perSecond, settle.c16.reference.perSecond),
      gasPerPayment: ratio(settle.c16.tollgate.gasPerPayment, settle.c16.reference.gasPerPayment),
      paidRequestP50: ratio(endToEnd.tollgate.paid.p50Ms, endToEnd.reference.paid.p50Ms),
    },
  }
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`)
}

type Facilitators = { tollgate: Service; reference: Service }
type Side = 'tollgate' | 'reference'
const sides: Side[] = ['tollgate', 'reference']

async function post(
  url: string,
  body: string,
  expect: (json: Record<string, unknown>) => boolean,
): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
  })
  const json = (await response.json()) as Record<string, unknown>
  if (!expect(json)) throw new Error(`${url} answered ${JSON.stringify(json).slice(0, 300)}`)
}

async function benchVerify(facilitators: Facilitators, bodies: string[]) {
  const result = {} as Record<'c1' | 'c16', Record<Side, RunFigures & { cpuMsPerRequest: number }>>
  for (const [key, concurrency, total] of [
    ['c1', 1, 300 * scale],
    ['c16', 16, 1200 * scale],
  ] as const) {
    const runs: Record<Side, Array<RunFigures & { cpuMsPerRequest: number }>> = {
      tollgate: [],
      reference: [],
    }
    for (let pass = 0; pass < rounds; pass++) {
      // Alternating the order cancels a drift of the machine over the run.
      for (const side of pass % 2 === 0 ? sides : [...sides].reverse()) {
        const service = facilitators[side]
        const verify = (index: number) =>
          post(
            `${service.url}/verify`,
            bodies[index % bodies.length]!,
            (json) => json.isValid === true,
          )
        await runLoad(30, concurrency, verify)
        const cpuBefore = service.cpuMs()
        const figures = await runLoad(total, concurrency, verify)
        runs[side].push({
          ...figures,
          cpuMsPerRequest: round2((service.cpuMs() - cpuBefore) / total),
        })
      }
    }
    result[key] = { tollgate: medianRun(runs.tollgate), reference: medianRun(runs.reference) }
    log(
      `verify c${concurrency}: tollgate ${result[key].tollgate.perSecond}/s, reference ${result[key].reference.perSecond}/s`,
    )
  }
  return result
}

async function benchSettle(facilitators: Facilitators, sign: () => Promise<string>) {
  const client = rpcClient(anvil.rpcUrl)
  const result = {} as Record<'c1' | 'c16', Record<Side, RunFigures & { gasPerPayment: number }>>
  for (const [key, concurrency, total] of [
    ['c1', 1, 60 * scale],
    ['c16', 16, 240 * scale],
  ] as const) {
    const runs: Record<Side, Array<RunFigures & { gasPerPayment: number }>> = {
      tollgate: [],
      reference: [],
    }
    for (let pass = 0; pass < rounds; pass++) {
      for (const side of pass % 2 === 0 ? sides : [...sides].reverse()) {
        const bodies = await Promise.all(Array.from({ length: total }, sign))
        const hashes: Hex[] = []
        const figures = await runLoad(total, concurrency, (index) =>
          post(`${facilitators[side].url}/settle`, bodies[index]!, (json) => {
            if (json.success === true) hashes.push(json.transaction as Hex)
            return json.success === true
          }),
        )
        const receipts = await Promise.all(
          hashes.map((hash) => client.getTransactionReceipt({ hash })),
        )
        const gas =
          receipts.reduce((sum, receipt) => sum + Number(receipt.gasUsed), 0) / receipts.length
        runs[side].push({ ...figures, gasPerPayment: Math.round(gas) })
      }
    }
    result[key] = { tollgate: medianRun(runs.tollgate), reference: medianRun(runs.reference) }
    log(
      `settle c${concurrency}: tollgate ${result[key].tollgate.perSecond}/s, reference ${result[key].reference.perSecond}/s`,
    )
  }
  return result
}

async function benchEndToEnd(facilitators: Facilitators, env: ServiceEnv, payer: string) {
  const apis = {
    tollgate: await startService('tollgateApi.ts', {
      ...env,
      facilitatorUrl: facilitators.tollgate.url,
    }),
    reference: await startService('referenceApi.ts', {
      ...env,
      facilitatorUrl: facilitators.reference.url,
    }),
  }
  const account = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.payer].privateKey)
  const clients: Record<Side, typeof fetch> = {
    tollgate: wrapFetch(fetch, {
      schemes: [exactEvmClient({ signer: account, assets: { [env.network]: env.asset } })],
    }),
    reference: wrapFetchWithPayment(
      fetch,
      new x402Client().register('eip155:*', new OfficialEvmClient(account)).setSpendControls(false),
    ),
  }
  const result = {} as Record<
    Side,
    { paid: RunFigures; unpaid: RunFigures; paidOverUnpaid: number }
  >
  const paidRuns: Record<Side, RunFigures[]> = { tollgate: [], reference: [] }
  const unpaidRuns: Record<Side, RunFigures[]> = { tollgate: [], reference: [] }
  for (let pass = 0; pass < rounds; pass++) {
    for (const side of pass % 2 === 0 ? sides : [...sides].reverse()) {
      const url = apis[side].url
      paidRuns[side].push(
        await runLoad(60 * scale, 1, async () => {
          const response = await clients[side](`${url}/paid`)
          await response.arrayBuffer()
          const receipt = readReceipt(response)
          if (response.status !== 200 || !receipt?.success || receipt.payer !== payer) {
            throw new Error(`${side} paid request failed: HTTP ${response.status}`)
          }
        }),
      )
      unpaidRuns[side].push(
        await runLoad(200 * scale, 1, async () => {
          const response = await fetch(`${url}/free`)
          await response.arrayBuffer()
          if (response.status !== 200)
            throw new Error(`${side} free route answered ${response.status}`)
        }),
      )
    }
  }
  for (const side of sides) {
    const paid = medianRun(paidRuns[side])
    const unpaid = medianRun(unpaidRuns[side])
    result[side] = { paid, unpaid, paidOverUnpaid: ratio(paid.p50Ms, unpaid.p50Ms) }
  }
  log(
    `paid request p50: tollgate ${result.tollgate.paid.p50Ms} ms, reference ${result.reference.paid.p50Ms} ms`,
  )
  for (const api of Object.values(apis)) api.stop()
  return result
}

function ratio(ours: number, theirs: number): number {
  return round(ours / theirs, 3)
}

function round2(value: number): number {
  return round(value, 2)
}

anvil = await startAnvil({ port: 0 })
try {
  await main()
} finally {
  await anvil.stop()
}

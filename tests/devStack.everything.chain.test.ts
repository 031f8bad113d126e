/**
 * Goal: what `tollgate dev` shows an operator covers every chain it serves. One payment on EVM and
 * one on Solana must both appear in the Prometheus counters, the facilitator's ledger API, the
 * `tollgate ledger` command, the dashboard's API (with USDC labels) and the discovery catalogue.
 * Method: the real dev stack (anvil, the embedded Solana devnet, the facilitator, the example
 * API) on free ports; our client pays `/weather` once with an EVM signer and once with a Solana
 * signer; the compiled CLI runs as a child process; everything else is read over HTTP.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readReceipt, wrapFetch } from '@tollgate/client'
import type { SchemeClient, SettleResponse } from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runCli, waitFor } from './support/cli.ts'
import { ourSolanaClient } from './support/solana.ts'
import { payerAccount, startTestStack } from './support/stack.ts'

let stack: DevStack
/** The two payments as the chains settled them, and what the ledger should say of each. */
let paid: Array<{ receipt: SettleResponse; expected: Record<string, string> }>

/** Pays `/weather` with one scheme and returns its receipt. */
async function payWeather(scheme: SchemeClient): Promise<SettleResponse> {
  const response = await wrapFetch(fetch, { schemes: [scheme] })(
    `${stack.manifest.exampleApiUrl}/weather?city=Lisbon`,
  )
  expect(response.status).toBe(200)
  const receipt = readReceipt(response)
  expect(receipt?.success).toBe(true)
  return receipt!
}

async function getJson(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${stack.manifest.facilitatorUrl}${path}`)
  expect(response.status, path).toBe(200)
  return (await response.json()) as Record<string, unknown>
}

beforeAll(async () => {
  stack = await startTestStack()
  const { manifest } = stack
  const amount = manifest.routes[0]!.amount
  const evmScheme = exactEvmClient({
    signer: payerAccount(manifest),
    assets: { [manifest.network]: manifest.asset },
  })
  const evm = await payWeather(evmScheme)
  const solana = await payWeather(await ourSolanaClient(stack))
  paid = [
    {
      receipt: evm,
      expected: {
        network: manifest.network,
        asset: manifest.asset.address.toLowerCase(),
        payer: manifest.accounts.payer.address.toLowerCase(),
        payTo: manifest.accounts.merchant.address.toLowerCase(),
        amount,
        transaction: evm.transaction,
        state: 'confirmed',
      },
    },
    {
      receipt: solana,
      expected: {
        network: manifest.solana.network,
        asset: manifest.solana.mint,
        payer: manifest.solana.payer.address,
        payTo: stack.solanaDevnet.merchant.address,
        amount,
        transaction: solana.transaction,
        state: 'confirmed',
      },
    },
  ]
})
afterAll(() => stack?.stop())

/** The value of one sample, matched by metric name and labels in any order. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  const line = text.split('\n').find((candidate) => {
    const match = /^([a-z_]+)\{([^}]*)\} (\S+)$/.exec(candidate)
    if (!match || match[1] !== name) return false
    const present = match[2]!.split(',')
    return wanted.every((label) => present.includes(label))
  })
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

describe('the dev stack shows payments on both chains', () => {
  it('paid once on EVM and once on Solana', () => {
    expect(paid.map(({ receipt }) => receipt.network)).toEqual([
      stack.manifest.network,
      stack.manifest.solana.network,
    ])
    expect(paid[0]!.receipt.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(paid[1]!.receipt.transaction).toMatch(/^[1-9A-HJ-NP-Za-km-z]{64,88}$/)
  })

  it('serves Prometheus metrics with verify and settle counters per network', async () => {
    const response = await fetch(`${stack.manifest.facilitatorUrl}/metrics`)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/)
    const text = await response.text()
    for (const network of [stack.manifest.network, stack.manifest.solana.network]) {
      const verified = { network, reason: 'valid' }
      const settled = { network, reason: 'success' }
      expect(sample(text, 'tollgate_facilitator_verify_total', verified), network).toBe(1)
      expect(sample(text, 'tollgate_facilitator_settle_total', settled), network).toBe(1)
    }
  })

  it("lists both in the facilitator's ledger API", async () => {
    const { payments } = await getJson('/ledger/payments')
    expect(payments).toHaveLength(2)
    // Newest first: Solana was paid second.
    expect(payments).toEqual([
      expect.objectContaining({ ...paid[1]!.expected, scheme: 'exact', attempts: 1 }),
      expect.objectContaining({ ...paid[0]!.expected, scheme: 'exact', attempts: 1 }),
    ])
  })

  it('lists both in `tollgate ledger`, amounts in USDC', async () => {
    const env = { DATABASE_URL: '', TOLLGATE_ADMIN_TOKEN: '' }
    const listed = await runCli(
      ['ledger', '--json', '--facilitator-url', stack.manifest.facilitatorUrl],
      { env },
    )
    expect(listed.code, listed.stderr).toBe(0)
    expect(JSON.parse(listed.stdout)).toEqual([
      expect.objectContaining(paid[1]!.expected),
      expect.objectContaining(paid[0]!.expected),
    ])

    // As a table, from the facilitator the project's manifest names.
    const project = await mkdtemp(join(tmpdir(), 'tollgate-everything-'))
    await mkdir(join(project, '.tollgate'))
    await writeFile(join(project, '.tollgate', 'dev.json'), JSON.stringify(stack.manifest))
    const table = await runCli(['ledger'], { cwd: project, env })
    expect(table.code, table.stderr).toBe(0)
    const [header, ...rows] = table.stdout.trim().split('\n')
    expect(header).toMatch(
      /^ID\s+TIME \(UTC\)\s+STATE\s+PAYER\s+PAYEE\s+AMOUNT\s+NETWORK\s+TRANSACTION/,
    )
    expect(rows).toHaveLength(2)
    ;[...paid].reverse().forEach(({ expected }, index) => {
      const row = rows[index]!
      expect(row).toContain('confirmed')
      expect(row).toContain('0.001 USDC')
      expect(row).toContain(expected.network)
      expect(row).toContain(expected.transaction)
    })
  })

  it("lists both in the dashboard's API, labelled as USDC", async () => {
    const usdc = { symbol: 'USDC', decimals: 6 }
    const page = await getJson('/api/payments')
    expect(page.total).toBe(2)
    expect(page.payments).toEqual([
      expect.objectContaining({ ...paid[1]!.expected, ...usdc }),
      expect.objectContaining({ ...paid[0]!.expected, ...usdc }),
    ])
    // Found by the start of its signature, with every state it went through.
    const signature = paid[1]!.receipt.transaction
    const found = await getJson(`/api/payments?q=${signature.slice(0, 12)}`)
    expect(found.payments).toEqual([expect.objectContaining({ transaction: signature })])
    const [solana] = found.payments as Array<{ id: number }>
    const detail = await getJson(`/api/payments/${solana!.id}`)
    expect(detail.payment).toMatchObject({
      ...paid[1]!.expected,
      ...usdc,
      resource: `${stack.manifest.exampleApiUrl}/weather?city=Lisbon`,
    })
    expect((detail.events as Array<{ state: string }>).map((event) => event.state)).toEqual([
      'received',
      'verified',
      'submitted',
      'confirmed',
    ])

    const overview = await getJson('/api/overview?range=15m')
    expect(overview.totals).toMatchObject({ confirmed: 2, failed: 0, open: 0, payments: 2 })
    expect(overview.volume).toEqual(
      expect.arrayContaining(
        paid.map(({ expected }) =>
          expect.objectContaining({
            network: expected.network,
            asset: expected.asset,
            total: expected.amount,
            ...usdc,
          }),
        ),
      ),
    )
    expect(overview.latency).toMatchObject({ count: 2 })

    const { resources } = await getJson('/api/resources')
    const weather = `${stack.manifest.exampleApiUrl}/weather`
    expect(resources).toEqual(
      expect.arrayContaining(
        paid.map(({ expected }) =>
          expect.objectContaining({
            resource: weather,
            network: expected.network,
            payments: 1,
            amount: expected.amount,
            ...usdc,
          }),
        ),
      ),
    )
    const { merchants } = await getJson('/api/merchants')
    expect((merchants as Array<{ payTo: string }>).map((row) => row.payTo).sort()).toEqual(
      paid.map(({ expected }) => expected.payTo).sort(),
    )
  })

  it('catalogues the resource with its EVM and its Solana offer', async () => {
    const weather = `${stack.manifest.exampleApiUrl}/weather`
    const offers = async (query = '') => {
      const { items } = await getJson(`/discovery/resources${query}`)
      const item = (items as Array<{ resource: string; accepts: Array<{ network: string }> }>).find(
        (each) => each.resource === weather,
      )
      return item?.accepts.map((offer) => offer.network) ?? []
    }
    // Cataloguing runs after the settlement's answer: wait for the second payment's turn.
    await waitFor(async () => (await offers()).length === 2, 'both offers catalogued', 10_000)
    expect(await offers()).toEqual([stack.manifest.solana.network, stack.manifest.network])
    const { items } = await getJson('/discovery/resources')
    const item = (items as Array<Record<string, unknown>>).find((each) => each.resource === weather)
    expect(item?.accepts).toEqual([
      expect.objectContaining({
        network: stack.manifest.solana.network,
        asset: stack.manifest.solana.mint,
        payTo: stack.solanaDevnet.merchant.address,
      }),
      expect.objectContaining({
        network: stack.manifest.network,
        payTo: stack.manifest.accounts.merchant.address,
      }),
    ])
    const solanaOnly = `?network=${encodeURIComponent(stack.manifest.solana.network)}`
    expect(await offers(solanaOnly)).toHaveLength(2)
  })
})

/**
 * The dashboard's JSON API of the facilitator app, driven in-process with `app.request()` over
 * an embedded ledger: the shape of every endpoint, the admin token (401 without it when one is
 * configured), refusals of bad queries, live events, and the static files with their guards.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NewPayment, ReadinessCheck } from '@tollgate/core'
import { evmChain } from '@tollgate/evm'
import {
  createFacilitatorApp,
  Facilitator,
  type FacilitatorAppOptions,
  MemoryDiscoveryCatalog,
} from '@tollgate/facilitator'
import { openLedger, type SqlLedger, SqlLedgerReports } from '@tollgate/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  asset,
  FakeScheme,
  merchantAddress,
  network,
  paymentBody,
} from '../packages/facilitator/test/fakeScheme.ts'

const adminToken = 'dashboard-token-for-tests-0123'
const signer = '0xAAAA000000000000000000000000000000000001'
const transaction = `0x${'cd'.repeat(32)}`
let ledger: SqlLedger
let staticDir: string

class ReadyScheme extends FakeScheme {
  async readiness(): Promise<ReadinessCheck[]> {
    return [
      {
        network,
        ok: false,
        message: `signer balance below 0.001 ETH: ${signer}`,
        signerBalances: { [signer]: '500000000000000' },
      },
    ]
  }
}

function newPayment(index: number): NewPayment {
  const body = paymentBody()
  return {
    key: `payment-${index}`,
    payloadHash: `hash-${index}`,
    network,
    scheme: 'exact',
    payer: `0x${String(index).padStart(40, '1')}`,
    payTo: merchantAddress.toLowerCase(),
    asset: asset.toLowerCase(),
    amount: '1500000',
    payment: {
      paymentPayload: {
        ...body.paymentPayload,
        x402Version: 2,
        resource: { url: 'http://api.test/weather' },
        payload: { signature: `0x${'5a'.repeat(65)}` },
      },
      paymentRequirements: body.paymentRequirements,
    },
  }
}

beforeAll(async () => {
  ledger = await openLedger()
  const ids: number[] = []
  for (let index = 1; index <= 3; index++) {
    ids.push((await ledger.claim(newPayment(index), 'test', 60_000)).payment.id)
  }
  await ledger.submit({
    network,
    signer,
    kind: 'multicall',
    paymentIds: ids.slice(0, 2),
    chainNonce: 4,
    sign: async () => ({ hash: transaction, raw: '0x01' }),
  })
  await ledger.markTransaction(transaction, { state: 'mined', gasUsed: 90_000n })
  await ledger.transition(ids.slice(0, 2), 'confirmed')
  await ledger.transition([ids[2]!], 'failed', {
    reason: 'insufficient_funds',
    message: 'the payer holds too little',
  })
  staticDir = await mkdtemp(join(tmpdir(), 'tollgate-dashboard-'))
  await mkdir(join(staticDir, 'assets'))
  await writeFile(join(staticDir, 'index.html'), '<!doctype html><title>Tollgate</title>')
  await writeFile(join(staticDir, 'assets', 'app-1234.js'), 'export {}')
})
afterAll(() => ledger?.close())

function dashboardApp(dashboard: Partial<NonNullable<FacilitatorAppOptions['dashboard']>> = {}) {
  const catalog = new MemoryDiscoveryCatalog()
  const facilitator = new Facilitator({ schemes: [new ReadyScheme()], catalog })
  const app = createFacilitatorApp(facilitator, {
    dashboard: {
      reports: new SqlLedgerReports(ledger.sql),
      staticDir,
      assets: [{ address: asset, symbol: 'USDC', decimals: 6 }],
      chains: [evmChain],
      ...dashboard,
    },
  })
  return { app, catalog }
}

async function get(path: string, options: { token?: string; configured?: string } = {}) {
  const { app } = dashboardApp(options.configured ? { adminToken: options.configured } : {})
  const response = await app.request(path, {
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  })
  const text = await response.text()
  const json = response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text
  return { status: response.status, headers: response.headers, body: json }
}

describe('dashboard API', () => {
  it('overview: series on one time axis, outcomes by reason, latency, gas, batch sizes', async () => {
    const { status, body } = await get('/api/overview?range=15m')
    expect(status).toBe(200)
    expect(body.range).toMatchObject({ name: '15m', bucketSeconds: 15 })
    expect(body.time).toHaveLength(60)
    for (const series of [body.payments.confirmed, body.latency.series.p50Ms]) {
      expect(series).toHaveLength(60)
    }
    expect(body.totals).toEqual({ payments: 3, confirmed: 2, failed: 1, open: 0 })
    expect(body.volume).toEqual([
      expect.objectContaining({ symbol: 'USDC', decimals: 6, total: '3000000' }),
    ])
    expect(body.volume[0].values.reduce((sum: number, value: number) => sum + value, 0)).toBe(3)
    expect(body.outcomes).toContainEqual({
      state: 'failed',
      reason: 'insufficient_funds',
      payments: 1,
    })
    expect(body.latency.count).toBe(2)
    expect(body.gas).toMatchObject({
      used: '90000',
      transactions: 1,
      payments: 2,
      perPayment: 45000,
    })
    expect(body.batchSizes).toEqual([{ size: 2, transactions: 1 }])
    expect(body.batchSizeMean).toBe(2)
  })

  it('payments: newest first, paginated, found by transaction hash, without signed payloads', async () => {
    const page = await get('/api/payments?limit=2')
    expect(page.status).toBe(200)
    expect(page.body).toMatchObject({ total: 3, limit: 2, offset: 0 })
    expect(page.body.payments.map((payment: { state: string }) => payment.state)).toEqual([
      'failed',
      'confirmed',
    ])
    expect(page.body.payments[0]).toMatchObject({
      reason: 'insufficient_funds',
      message: 'the payer holds too little',
      symbol: 'USDC',
    })
    expect(JSON.stringify(page.body)).not.toContain('5a5a5a')
    const byHash = await get(`/api/payments?q=${transaction.toUpperCase().replace('0X', '0x')}`)
    expect(byHash.body.total).toBe(2)
    expect((await get('/api/payments?state=failed,confirmed&offset=2')).body.payments).toHaveLength(
      1,
    )
  })

  it('a payment in full: its history, transactions and resource', async () => {
    const list = await get('/api/payments?state=confirmed&limit=1')
    const id = list.body.payments[0].id
    const { status, body } = await get(`/api/payments/${id}`)
    expect(status).toBe(200)
    expect(body.payment).toMatchObject({ id, resource: 'http://api.test/weather', transaction })
    expect(body.events.map((event: { state: string }) => event.state)).toEqual([
      'received',
      'verified',
      'submitted',
      'confirmed',
    ])
    expect(body.transactions).toEqual([
      expect.objectContaining({ hash: transaction, nonce: 4, gasUsed: '90000', payments: 2 }),
    ])
    expect((await get('/api/payments/999999')).status).toBe(404)
    expect((await get('/api/payments/abc')).status).toBe(400)
  })

  it('signers: balances, nonce and pending from the ledger, alerts below threshold', async () => {
    const { status, body } = await get('/api/signers')
    expect(status).toBe(200)
    expect(body.signers).toEqual([
      {
        network,
        address: signer,
        balance: '0.0005',
        unit: 'ETH',
        nextNonce: 5,
        pendingTransactions: 0,
        lastTransactionAt: expect.any(String),
        low: true,
      },
    ])
    expect(body.alerts).toEqual([{ network, message: expect.stringContaining('below') }])
  })

  it("networks: named by their chain's package, with the explorer's transaction link", async () => {
    const { status, body } = await get('/api/networks')
    expect(status).toBe(200)
    expect(body.networks).toEqual([
      {
        network,
        label: 'Base Sepolia',
        family: 'EVM',
        transactionUrl: 'https://sepolia.basescan.org/tx/{transaction}',
      },
      {
        network: 'eip155:8453',
        label: 'Base',
        family: 'EVM',
        transactionUrl: 'https://basescan.org/tx/{transaction}',
      },
    ])
  })

  it('signers: balances in atomic units where no chain descriptor is registered', async () => {
    const { app } = dashboardApp({ chains: [] })
    const response = await app.request('/api/signers')
    const body = (await response.json()) as { signers: Array<{ balance: string; unit: string }> }
    expect(body.signers[0]).toMatchObject({ balance: '500000000000000', unit: 'atomic' })
  })

  it('merchants and resources: confirmed revenue, named from the catalogue', async () => {
    const merchants = await get('/api/merchants')
    expect(merchants.body.merchants).toEqual([
      expect.objectContaining({
        payTo: merchantAddress.toLowerCase(),
        payments: 2,
        amount: '3000000',
      }),
    ])
    const resources = await get('/api/resources')
    expect(resources.body.resources).toEqual([
      expect.objectContaining({ resource: 'http://api.test/weather', payments: 2, symbol: 'USDC' }),
    ])
  })

  it('refuses bad queries with a message', async () => {
    for (const query of [
      '/api/overview?range=2y',
      '/api/overview?range=1h&range=24h',
      '/api/payments?limit=0',
      '/api/payments?limit=101',
      '/api/payments?state=lost',
      '/api/payments?payer=%27%3B--',
      '/api/payments?sort=amount',
      `/api/payments?q=${'a'.repeat(200)}`,
    ]) {
      const { status, body } = await get(query)
      expect({ query, status, error: body.error }).toEqual({
        query,
        status: 400,
        error: 'invalid_request',
      })
    }
  })

  it('with an admin token, every /api endpoint answers 401 without it and 200 with it', async () => {
    for (const path of [
      '/api/overview',
      '/api/payments',
      '/api/payments/1',
      '/api/signers',
      '/api/merchants',
      '/api/resources',
      '/api/events',
    ]) {
      const refused = await get(path, { configured: adminToken })
      expect({ path, status: refused.status }).toEqual({ path, status: 401 })
      expect(refused.headers.get('www-authenticate')).toBe('Bearer')
      const wrong = await get(path, { configured: adminToken, token: `${adminToken}x` })
      expect(wrong.status).toBe(401)
    }
    const { app } = dashboardApp({ adminToken })
    const allowed = await app.request('/api/overview', {
      headers: { authorization: `Bearer ${adminToken}` },
    })
    expect(allowed.status).toBe(200)
    // The page itself holds no data: it loads without the token and asks for it.
    expect((await get('/dashboard/', { configured: adminToken })).status).toBe(200)
    expect(() => dashboardApp({ adminToken: 'short' })).toThrow(/16 characters/)
  })

  it('events: ready with the change mark, then a tick when a payment changes', async () => {
    const { app } = dashboardApp({ eventsPollMs: 50 })
    const response = await app.request('/api/events')
    expect(response.headers.get('content-type')).toBe('text/event-stream')
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
    let received = ''
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(received)) {
        const { value, done } = await reader.read()
        if (done) throw new Error(`stream ended before ${pattern}: ${received}`)
        received += value
      }
    }
    await readUntil(/event: ready\ndata: \{"mark":"[0-9]+:[0-9]+"\}/)
    const { payment } = await ledger.claim(newPayment(99), 'test', 60_000)
    await readUntil(/event: tick\ndata: /)
    await reader.cancel()
    await ledger.transition([payment.id], 'failed', { reason: 'invalid_payload' })
  })

  it('serves the built app: index without cache, hashed assets for good, nothing else', async () => {
    const redirect = await get('/dashboard')
    expect(redirect.status).toBe(302)
    expect(redirect.headers.get('location')).toBe('dashboard/')
    const index = await get('/dashboard/')
    expect(index).toMatchObject({ status: 200, body: expect.stringContaining('<title>') })
    expect(index.headers.get('cache-control')).toBe('no-cache')
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'")
    const script = await get('/dashboard/assets/app-1234.js')
    expect(script.headers.get('content-type')).toContain('text/javascript')
    expect(script.headers.get('cache-control')).toContain('immutable')
    for (const path of [
      '/dashboard/missing.js',
      '/dashboard/%2e%2e/package.json',
      '/dashboard/.env',
    ]) {
      expect((await get(path)).status).toBe(404)
    }
    const { app } = dashboardApp({ staticDir: join(staticDir, 'missing') })
    const unbuilt = await app.request('/dashboard/')
    expect(unbuilt.status).toBe(503)
    expect(await unbuilt.json()).toMatchObject({ error: 'dashboard_not_built' })
  })
})

/**
 * The facilitator fails closed when its ledger is out of reach. Method: a real TCP proxy in front
 * of PostgreSQL, cut and restored. While cut, /verify and /settle answer 503 `ledger_unavailable`
 * (retryable), no transaction is sent, and a resource server in front answers 503 with that
 * reason instead of serving or refusing the payment. Once restored, the same payment settles,
 * once, and asking again gives the same transaction. Cut between storing a transaction and
 * recording its receipt, the caller gets the chain's answer (the receipt, a success), asking again
 * while cut gets 503, and once restored the retry gets that transaction, which moved the money
 * once.
 */
import { decodePaymentRequiredHeader, encodeJsonHeader, reasonOf } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { exactEvmServer } from '@tollgate/evm'
import { MemoryResponseStore, PaymentGate } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import { type BuiltFacilitator, buildFacilitator, type DevStack, listen, rpcClient } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { retryUntilFinal } from './support/crashAtWrite.ts'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'
import {
  facilitatorBody,
  signPayment,
  startTestStack,
  tokenBalance,
  weatherRequirements,
} from './support/stack.ts'
import { startTcpProxy, type TcpProxy } from './support/tcpProxy.ts'

const postgresAvailable = await requireService('postgres')

describe.runIf(postgresAvailable)('a facilitator whose PostgreSQL is cut off', () => {
  let stack: DevStack
  let proxy: TcpProxy
  let built: BuiltFacilitator
  let facilitatorUrl: string
  let resourceUrl: string
  const closers: Array<() => Promise<void>> = []
  const signer = ANVIL_ACCOUNTS[8]

  beforeAll(async () => {
    stack = await startTestStack()
    const { manifest } = stack
    proxy = await startTcpProxy(postgresUrl)
    built = await buildFacilitator({
      networks: [
        {
          network: manifest.network,
          rpcUrl: manifest.rpcUrl,
          signerKeys: [signer.privateKey],
          assets: [manifest.asset],
          multicall3: manifest.multicall3,
        },
      ],
      ledger: { databaseUrl: proxy.url, schema: uniqueSchema('outage') },
      batch: false,
    })
    const facilitatorServer = await listen(built.app, 0)
    facilitatorUrl = facilitatorServer.url
    closers.push(
      () => facilitatorServer.close(),
      () => built.close(),
    )
    const requirements = weatherRequirements(manifest)
    const gate = new PaymentGate({
      routes: {
        'GET /weather': {
          price: {
            amount: requirements.amount,
            asset: requirements.asset,
            extra: requirements.extra ?? {},
          },
          network: manifest.network,
          payTo: requirements.payTo,
        },
      },
      facilitator: { url: facilitatorUrl },
      schemes: [exactEvmServer()],
      store: new MemoryResponseStore(),
    })
    const app = new Hono()
    app.use(paymentMiddleware(gate))
    app.get('/weather', (c) => c.json({ forecast: 'sunny' }))
    const resourceServer = await listen(app, 0)
    resourceUrl = resourceServer.url
    closers.unshift(() => resourceServer.close())
  }, 120_000)
  afterAll(async () => {
    proxy?.restore()
    for (const close of closers) await close()
    await proxy?.close()
    await stack?.stop()
  })

  const post = async (path: '/verify' | '/settle', body: unknown) => {
    const response = await fetch(`${facilitatorUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return { status: response.status, body: (await response.json()) as Record<string, unknown> }
  }

  it('refuses to verify or settle while cut, then settles the same payment once', async () => {
    const { manifest } = stack
    const client = rpcClient(manifest.rpcUrl)
    const requirements = weatherRequirements(manifest)
    const body = facilitatorBody(await signPayment(manifest, requirements), requirements)
    const payer = manifest.accounts.payer.address
    const payee = manifest.accounts.merchant.address
    const before = {
      payer: await tokenBalance(manifest, payer),
      payee: await tokenBalance(manifest, payee),
    }
    const nonceBefore = await client.getTransactionCount({ address: signer.address })

    proxy.cut()
    const verify = await post('/verify', body)
    expect(verify).toMatchObject({
      status: 503,
      body: { isValid: false, invalidReason: reasonOf('LEDGER_UNAVAILABLE') },
    })
    for (let attempt = 0; attempt < 3; attempt++) {
      const settle = await post('/settle', body)
      expect(settle).toMatchObject({
        status: 503,
        body: { success: false, errorReason: reasonOf('LEDGER_UNAVAILABLE') },
      })
    }

    // Through a resource server: 503 with the retryable reason, and the handler never ran.
    const unpaid = await fetch(`${resourceUrl}/weather`)
    expect(unpaid.status).toBe(402)
    const [offer] = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!).accepts
    const gatePayment = encodeJsonHeader(await signPayment(manifest, offer!))
    const refused = await fetch(`${resourceUrl}/weather`, {
      headers: { 'PAYMENT-SIGNATURE': gatePayment },
    })
    expect(refused.status).toBe(503)
    expect(JSON.stringify(await refused.json())).toContain(reasonOf('LEDGER_UNAVAILABLE'))

    expect(await client.getTransactionCount({ address: signer.address })).toBe(nonceBefore)
    expect(await tokenBalance(manifest, payer)).toBe(before.payer)

    proxy.restore()
    const settled = await post('/settle', body)
    expect(settled).toMatchObject({ status: 200, body: { success: true } })
    const again = await post('/settle', body)
    expect(again.body).toMatchObject({ success: true, transaction: settled.body.transaction })
    const paid = await fetch(`${resourceUrl}/weather`, {
      headers: { 'PAYMENT-SIGNATURE': gatePayment },
    })
    expect(paid.status).toBe(200)
    expect(await paid.json()).toEqual({ forecast: 'sunny' })

    // Two payments, each debited once: the one retried directly and the one through the gate.
    const amount = BigInt(requirements.amount)
    expect(await tokenBalance(manifest, payer)).toBe(before.payer - 2n * amount)
    expect(await tokenBalance(manifest, payee)).toBe(before.payee + 2n * amount)
  }, 120_000)
  it('answers a settlement cut off after its transaction was stored with its receipt, and settles it once', async () => {
    const { manifest } = stack
    const midProxy = await startTcpProxy(postgresUrl)
    let armed = true
    const cutOff = await buildFacilitator({
      networks: [
        {
          network: manifest.network,
          rpcUrl: manifest.rpcUrl,
          signerKeys: [ANVIL_ACCOUNTS[9].privateKey],
          assets: [manifest.asset],
          multicall3: manifest.multicall3,
        },
      ],
      ledger: { databaseUrl: midProxy.url, schema: uniqueSchema('outage_mid') },
      batch: false,
      chainOptions: {
        eip155: {
          onSettlementStep: (step) => {
            if (armed && step === 'after-persist') {
              armed = false
              midProxy.cut()
            }
          },
        },
      },
    })
    const server = await listen(cutOff.app, 0)
    try {
      const requirements = weatherRequirements(manifest)
      const body = facilitatorBody(await signPayment(manifest, requirements), requirements)
      const before = await tokenBalance(manifest, manifest.accounts.payer.address)
      const settle = () =>
        fetch(`${server.url}/settle`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
      const first = (await (await settle()).json()) as Record<string, unknown>
      expect(first).toMatchObject({ success: true, network: manifest.network })
      expect(first.transaction).toMatch(/^0x[0-9a-f]{64}$/)
      const whileCut = await settle()
      expect(whileCut.status).toBe(503)
      expect(await whileCut.json()).toMatchObject({ errorReason: reasonOf('LEDGER_UNAVAILABLE') })

      midProxy.restore()
      const [settled] = await retryUntilFinal([server.url], [body], 60_000)
      expect(settled).toMatchObject({ success: true, transaction: first.transaction })
      expect(await tokenBalance(manifest, manifest.accounts.payer.address)).toBe(
        before - BigInt(requirements.amount),
      )
    } finally {
      await server.close()
      await cutOff.close()
      await midProxy.close()
    }
  }, 120_000)
})

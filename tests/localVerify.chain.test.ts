/**
 * A route's `verify: 'local'`: the gate checks an EIP-3009 payment in its own process (payee,
 * amount, time window, the payer's signature) and skips the facilitator's `/verify`; the
 * settlement still reads the chain, so a payment that cannot settle is never served, though its
 * handler ran. Method: the dev stack's facilitator behind a client that counts its calls, a Hono
 * app with one route of each kind, payments signed as a client does and a few made wrong.
 */
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentHeader,
  type FacilitatorClient,
  HttpFacilitatorClient,
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
} from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { PaymentGate } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import { Hono } from 'hono'
import type { DevStack } from 'tollgate'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signPayment, startTestStack, tokenBalance } from './support/stack.ts'

let stack: DevStack
let app: Hono
const calls = { verify: 0, settle: 0 }
const handlerRuns = { local: 0, remote: 0 }

beforeAll(async () => {
  stack = await startTestStack()
  const { manifest } = stack
  const http = new HttpFacilitatorClient({ url: manifest.facilitatorUrl })
  const counted: FacilitatorClient = {
    url: http.url,
    supported: () => http.supported(),
    verify: (payload, requirements) => {
      calls.verify++
      return http.verify(payload, requirements)
    },
    settle: (payload, requirements) => {
      calls.settle++
      return http.settle(payload, requirements)
    },
  }
  const payTo = manifest.accounts.merchant.address
  app = new Hono()
  app.use(
    paymentMiddleware({
      routes: {
        'GET /local': { price: '$0.001', network: manifest.network, payTo, verify: 'local' },
        'GET /remote': { price: '$0.001', network: manifest.network, payTo },
      },
      facilitator: counted,
      schemes: [exactEvmServer({ assets: { [manifest.network]: manifest.asset } })],
    }),
  )
  app.get('/local', (c) => {
    handlerRuns.local++
    return c.json({ route: 'local' })
  })
  app.get('/remote', (c) => {
    handlerRuns.remote++
    return c.json({ route: 'remote' })
  })
})
afterAll(() => stack?.stop())

async function offered(path: string): Promise<PaymentRequirements> {
  const response = await app.request(path)
  expect(response.status).toBe(402)
  return decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!).accepts[0]!
}

async function present(path: string, payment: PaymentPayload) {
  const header = encodePaymentHeader(payment)
  const response = await app.request(path, { headers: { [header.name]: header.value } })
  const receipt = response.headers.get('PAYMENT-RESPONSE')
  return {
    status: response.status,
    body: await response.text(),
    receipt: receipt ? decodePaymentResponseHeader(receipt) : undefined,
  }
}

const snapshot = () => ({ ...calls, ...handlerRuns })

describe("a route's verify: 'local'", () => {
  it('serves a good payment with one facilitator call, the settle; the default route makes two', async () => {
    const { manifest } = stack
    const merchantBefore = await tokenBalance(manifest, manifest.accounts.merchant.address)
    const before = snapshot()
    const local = await present('/local', await signPayment(manifest, await offered('/local')))
    expect(local.status).toBe(200)
    expect(JSON.parse(local.body)).toEqual({ route: 'local' })
    expect(local.receipt).toMatchObject({ success: true, payer: manifest.accounts.payer.address })
    expect(snapshot()).toEqual({ ...before, settle: before.settle + 1, local: before.local + 1 })

    const remote = await present('/remote', await signPayment(manifest, await offered('/remote')))
    expect(remote.status).toBe(200)
    expect(snapshot()).toMatchObject({ verify: before.verify + 1, settle: before.settle + 2 })
    expect(await tokenBalance(manifest, manifest.accounts.merchant.address)).toBe(
      merchantBefore + 2n * BigInt((await offered('/local')).amount),
    )
  })

  it('refuses a payment its own check fails without asking the facilitator or running the handler', async () => {
    const { manifest } = stack
    const requirements = await offered('/local')
    const before = snapshot()
    const underpaid = await signPayment(manifest, requirements, {
      authorization: { value: String(BigInt(requirements.amount) - 1n) },
    })
    const forged = await signPayment(manifest, requirements, {
      signer: privateKeyToAccount(generatePrivateKey()),
      authorization: { from: manifest.accounts.payer.address as `0x${string}` },
    })
    const expired = await signPayment(manifest, requirements, {
      authorization: { validBefore: String(Math.floor(Date.now() / 1000) - 1) },
    })
    const answers = await Promise.all([underpaid, forged, expired].map((p) => present('/local', p)))
    expect(answers.map((answer) => answer.status)).toEqual([402, 402, 402])
    expect(answers.map((answer) => JSON.parse(answer.body).error)).toEqual([
      reasonOf('EVM_EXACT_VALUE_MISMATCH'),
      reasonOf('EVM_EXACT_SIGNATURE_INVALID'),
      reasonOf('EVM_EXACT_VALID_BEFORE'),
    ])
    expect(snapshot()).toEqual(before)
  })

  it('never serves a payment that fails to settle, though its handler ran', async () => {
    const { manifest } = stack
    // A payer with no tokens signs a payment that is right in every way the gate can see.
    const broke = privateKeyToAccount(generatePrivateKey())
    const before = snapshot()
    const answer = await present(
      '/local',
      await signPayment(manifest, await offered('/local'), { signer: broke }),
    )
    expect(answer.status).toBe(402)
    expect(answer.body).not.toContain('"route"')
    expect(answer.receipt).toMatchObject({
      success: false,
      errorReason: reasonOf('EVM_EXACT_BALANCE_INSUFFICIENT'),
    })
    expect(JSON.parse(answer.body).error).toBe(reasonOf('EVM_EXACT_BALANCE_INSUFFICIENT'))
    expect(snapshot()).toEqual({ ...before, settle: before.settle + 1, local: before.local + 1 })
    expect(await tokenBalance(manifest, broke.address)).toBe(0n)
  })

  it('is checked when the gate is built', () => {
    const { manifest } = stack
    expect(
      () =>
        new PaymentGate({
          routes: {
            'GET /x': {
              price: '$0.001',
              network: manifest.network,
              payTo: manifest.accounts.merchant.address,
              verify: 'locally' as 'local',
            },
          },
          facilitator: { url: manifest.facilitatorUrl },
          schemes: [exactEvmServer({ assets: { [manifest.network]: manifest.asset } })],
        }),
    ).toThrow("route GET /x: verify must be 'facilitator' or 'local', not \"locally\"")
  })
})

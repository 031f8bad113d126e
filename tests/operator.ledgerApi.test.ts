/**
 * `GET /ledger/payments` of the facilitator app, driven in-process with `app.request()` over an
 * embedded ledger: newest first, filters and bounds, a 400 with a reason for any bad query, the
 * admin token (and only it) opening the endpoint, and no signed payload in the answer.
 */
import type { NewPayment, SettlementLedger } from '@tollgate/core'
import { generateApiKey, hashApiKey, memoryApiKeyStore } from '@tollgate/facilitator'
import { openLedger } from '@tollgate/ledger'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fakeApp, paymentBody } from '../packages/facilitator/test/fakeScheme.ts'

const adminToken = 'admin-token-for-tests-0123456789'
const signature = `0x${'5a'.repeat(65)}`
let ledger: SettlementLedger

function newPayment(index: number, network = 'eip155:84532'): NewPayment {
  const body = paymentBody({ network })
  return {
    key: `payment-${index}`,
    payloadHash: `hash-${index}`,
    network,
    scheme: 'exact',
    payer: '0x1111111111111111111111111111111111111111',
    payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
    asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
    amount: String(1000 + index),
    payment: {
      paymentPayload: { ...body.paymentPayload, x402Version: 2, payload: { signature } },
      paymentRequirements: body.paymentRequirements,
    },
  }
}

beforeAll(async () => {
  ledger = await openLedger()
  for (let index = 1; index <= 60; index++) {
    const network = index % 10 === 0 ? 'eip155:8453' : 'eip155:84532'
    const { payment } = await ledger.claim(newPayment(index, network), 'test', 60_000)
    if (index % 3 === 0) {
      await ledger.transition([payment.id], 'confirmed', { transaction: `0x${'ab'.repeat(32)}` })
    } else if (index % 3 === 1) {
      await ledger.transition([payment.id], 'failed', {
        reason: 'insufficient_funds',
        message: 'the payer holds too little',
      })
    }
  }
})
afterAll(() => ledger?.close())

async function get(query: string, options: { token?: string; ledgerToken?: string } = {}) {
  const { app } = fakeApp({
    ledger: { ledger, ...(options.ledgerToken ? { adminToken: options.ledgerToken } : {}) },
  })
  const response = await app.request(`/ledger/payments${query}`, {
    headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
  })
  return { status: response.status, headers: response.headers, text: await response.text() }
}

describe('GET /ledger/payments', () => {
  it('lists the 50 newest payments, newest first, without the signed payload', async () => {
    const answer = await get('')
    expect(answer.status).toBe(200)
    const { payments } = JSON.parse(answer.text)
    expect(payments).toHaveLength(50)
    expect(payments[0]).toEqual({
      id: 60,
      state: 'confirmed',
      network: 'eip155:8453',
      scheme: 'exact',
      payer: '0x1111111111111111111111111111111111111111',
      payTo: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C',
      asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e',
      amount: '1060',
      transaction: `0x${'ab'.repeat(32)}`,
      attempts: 1,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    })
    expect(payments[1]).toMatchObject({ id: 59, state: 'received' })
    expect(payments[2]).toMatchObject({
      id: 58,
      state: 'failed',
      reason: 'insufficient_funds',
      message: 'the payer holds too little',
    })
    expect(answer.text).not.toContain(signature.slice(2))
    expect(answer.text).not.toContain('hash-')
  })

  it('filters by state (a list) and network (CAIP-2 or v1 name), up to the limit', async () => {
    const confirmed = JSON.parse((await get('?state=confirmed&limit=500')).text).payments
    expect(confirmed).toHaveLength(20)
    expect(new Set(confirmed.map((p: { state: string }) => p.state))).toEqual(
      new Set(['confirmed']),
    )
    const either = JSON.parse((await get('?state=confirmed,failed&limit=3')).text).payments
    expect(either.map((p: { id: number }) => p.id)).toEqual([60, 58, 57])
    const repeated = JSON.parse((await get('?state=received&state=failed&limit=2')).text).payments
    expect(repeated.map((p: { id: number }) => p.id)).toEqual([59, 58])
    const base = JSON.parse((await get('?network=base')).text).payments
    expect(base.map((p: { id: number }) => p.id)).toEqual([60, 50, 40, 30, 20, 10])
    expect(JSON.parse((await get('?network=eip155:8453&limit=1')).text).payments).toHaveLength(1)
  })

  it.each([
    ['?limit=0', 'limit must be a whole number from 1 to 500'],
    ['?limit=501', 'limit must be a whole number from 1 to 500'],
    ['?limit=ten', 'limit must be a whole number from 1 to 500'],
    ['?limit=1e2', 'limit must be a whole number from 1 to 500'],
    ['?limit=-1', 'limit must be a whole number from 1 to 500'],
    ['?limit=5&limit=6', 'limit is given twice'],
    ['?state=settled', 'state must be one or more of received, verified, submitted'],
    ['?state=', 'state must be one or more of'],
    ['?state=confirmed,', 'state must be one or more of'],
    ['?network=not%20a%20network', 'network must be a CAIP-2 id'],
    ['?states=confirmed', 'unknown parameter "states": use limit, state, network'],
  ])('answers 400 with a reason to %s', async (query, message) => {
    const answer = await get(query)
    expect(answer.status).toBe(400)
    const body = JSON.parse(answer.text)
    expect(body.error).toBe('invalid_request')
    expect(body.message).toContain(message)
  })

  it('wants the admin token when one is configured, and a merchant key is no substitute', async () => {
    const key = generateApiKey()
    const { app } = fakeApp({
      apiKeys: {
        store: memoryApiKeyStore([{ keyHash: hashApiKey(key), merchant: 'm' }]),
        required: true,
      },
      ledger: { ledger, adminToken },
    })
    for (const authorization of [
      undefined,
      'Bearer wrong-token-0123456789',
      `Bearer ${key}`,
      adminToken,
    ]) {
      const response = await app.request('/ledger/payments', {
        headers: authorization ? { authorization } : {},
      })
      expect(response.status).toBe(401)
      expect(response.headers.get('www-authenticate')).toBe('Bearer')
      expect(await response.json()).toEqual({
        error: 'unauthorized',
        message: 'an admin token is required',
      })
    }
    const allowed = await app.request('/ledger/payments?limit=1', {
      headers: { authorization: `Bearer ${adminToken}` },
    })
    expect(allowed.status).toBe(200)
    expect((await allowed.json()).payments).toHaveLength(1)
  })

  it('checks the token before the query, so a stranger learns nothing from a 400', async () => {
    const answer = await get('?limit=0', { ledgerToken: adminToken })
    expect(answer.status).toBe(401)
  })

  it('refuses an admin token too short to be one', () => {
    expect(() => fakeApp({ ledger: { ledger, adminToken: 'short' } })).toThrow(
      'an admin token needs at least 16 characters',
    )
  })

  it('is not served without the option', async () => {
    const { app } = fakeApp()
    expect((await app.request('/ledger/payments')).status).toBe(404)
  })

  it('answers 503 when the ledger cannot be read', async () => {
    const { app } = fakeApp({
      ledger: {
        ledger: {
          recent: async () => {
            throw new Error('connection refused')
          },
        },
      },
    })
    const response = await app.request('/ledger/payments')
    expect(response.status).toBe(503)
    expect(await response.json()).toEqual({
      error: 'ledger_unavailable',
      message: 'the ledger could not be read',
    })
  })
})

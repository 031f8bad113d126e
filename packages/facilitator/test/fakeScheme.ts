/**
 * A scheme facilitator for tests of the HTTP app: it records every call and answers valid /
 * settled, so a test can tell whether a request reached the scheme at all.
 */
import type {
  PaymentPayload,
  PaymentRequirements,
  SchemeFacilitator,
  SchemeStats,
  SettleResponse,
  VerifyResponse,
} from '@tollgate/core'
import type { Hono } from 'hono'
import { createFacilitatorApp, Facilitator, type FacilitatorAppOptions } from '../src/index.ts'

export const network = 'eip155:84532'
export const otherNetwork = 'eip155:8453'
export const asset = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
export const merchantAddress = '0x209693Bc6afc0C5328bA36FaF03C514EF312287C'
export const payerAddress = '0x1111111111111111111111111111111111111111'
export const transaction = `0x${'ab'.repeat(32)}`

export class FakeScheme implements SchemeFacilitator {
  readonly scheme = 'exact'
  readonly caipFamily = 'eip155:*'
  readonly networks: readonly string[]
  calls: Array<{ operation: 'verify' | 'settle'; requirements: PaymentRequirements }> = []
  verifyAnswer: VerifyResponse = { isValid: true, payer: payerAddress }
  statsAnswer: SchemeStats | Error = {
    queueDepth: 3,
    pendingTransactions: 2,
    signers: [
      {
        network,
        address: '0xAAAA000000000000000000000000000000000001',
        balance: '1500000000000000000',
        nextNonce: 7,
      },
    ],
    batchSizes: [1, 5, 40],
  }

  constructor(networks: readonly string[] = [network, otherNetwork]) {
    this.networks = networks
  }

  extra(): Record<string, unknown> | undefined {
    return undefined
  }

  signers(): string[] {
    return ['0xAAAA000000000000000000000000000000000001']
  }

  async verify(
    _payload: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<VerifyResponse> {
    this.calls.push({ operation: 'verify', requirements })
    return this.verifyAnswer
  }

  async settle(
    _payload: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<SettleResponse> {
    this.calls.push({ operation: 'settle', requirements })
    return { success: true, transaction, network: requirements.network, payer: payerAddress }
  }

  async stats(): Promise<SchemeStats> {
    if (this.statsAnswer instanceof Error) throw this.statsAnswer
    return this.statsAnswer
  }
}

/** A v2 facilitator request body for the EVM exact scheme, with the parts a test varies. */
export function paymentBody(
  change: { network?: string; asset?: string; payTo?: string; from?: string | null } = {},
) {
  const requirements = {
    scheme: 'exact',
    network: change.network ?? network,
    amount: '1000',
    asset: change.asset ?? asset,
    payTo: change.payTo ?? merchantAddress,
    maxTimeoutSeconds: 60,
    extra: { name: 'USDC', version: '2' },
  }
  const authorization = {
    ...(change.from === null ? {} : { from: change.from ?? payerAddress }),
    to: requirements.payTo,
    value: '1000',
    validAfter: '0',
    validBefore: '9999999999',
    nonce: `0x${'01'.repeat(32)}`,
  }
  return {
    x402Version: 2,
    paymentPayload: {
      x402Version: 2,
      accepted: requirements,
      payload: { signature: `0x${'22'.repeat(65)}`, authorization },
    },
    paymentRequirements: requirements,
  }
}

/** An app around a fresh fake scheme. */
export function fakeApp(options: FacilitatorAppOptions = {}) {
  const scheme = new FakeScheme()
  const app = createFacilitatorApp(new Facilitator({ schemes: [scheme] }), options)
  return { scheme, app }
}

/**
 * POSTs a body as from a socket address (the bindings @hono/node-server would pass), so the
 * per-address limit sees a client address without a listening port.
 */
export async function post(
  app: Hono,
  path: string,
  body: unknown,
  options: { headers?: Record<string, string>; ip?: string } = {},
) {
  const response = await app.request(
    path,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...options.headers },
      body: JSON.stringify(body),
    },
    { incoming: { socket: { remoteAddress: options.ip ?? '192.0.2.1' } } },
  )
  return { status: response.status, headers: response.headers, body: await response.json() }
}

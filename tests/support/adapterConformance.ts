import { decodePaymentRequiredHeader, encodeJsonHeader, type PaymentPayload } from '@tollgate/core'
import { exactEvmServer } from '@tollgate/evm'
import { MemoryResponseStore, PaymentGate, type RoutesConfig } from '@tollgate/server'
import { afterAll, beforeEach, describe } from 'vitest'
import { replayCases } from './adapterReplayCases.ts'
import { requestCases } from './adapterRequestCases.ts'
import { settlementCases } from './adapterSettlementCases.ts'
import { runAdapterStartup } from './adapterStartup.ts'
import { ScriptedFacilitator } from './scriptedFacilitator.ts'

/** What every adapter's test app serves; handlers count how often they ran. */
export interface MountedApp {
  url: string
  close(): Promise<void>
}
export type Served = Record<string, number>
/**
 * Mounts the test app on `gate`. An app in another process (Next) cannot use the gate object: it
 * builds the same gate on `facilitator`, which the conformance cases pass (start-up cases do not).
 */
export type Mount = (
  gate: PaymentGate,
  served: Served,
  facilitator?: ScriptedFacilitator,
) => Promise<MountedApp>

export const paidBody = 'paid-content-7f3a'
const asset = '0x5FbDB2315678afecb367f032d93F642f64180aa3'
const payTo = '0x90F79bf6EB2c4f870365E785982E1f101E93b906'
const price = { amount: '1000', asset, extra: { name: 'USD Coin', version: '2' } }
const option = { price, network: 'eip155:31337', payTo }

export const conformanceRoutes: RoutesConfig = {
  'GET /weather': { ...option, description: 'Weather', mimeType: 'application/json' },
  'GET /fails': option,
  'GET /stream': option,
  'GET /api/:id/data': option,
  'POST /orders': option,
  'GET /whoami': option,
  // One offer with a v1 network name, one without.
  'GET /legacy': { accepts: [{ ...option, network: 'eip155:84532' }, option] },
}

/** The app of the current case, and helpers to pay it. */
export interface Conformance {
  readonly facilitator: ScriptedFacilitator
  readonly served: Served
  readonly url: string
  get(path: string, init?: RequestInit): Promise<Response>
  /** A payment header for `path`, as a client signs it; `identifier` adds a payment-identifier. */
  paymentFor(path: string, method?: string, nonce?: number, identifier?: string): Promise<string>
  paid(path: string, init?: RequestInit): Promise<Response>
}

/**
 * The contract every HTTP adapter honours, run against each of them over real HTTP. The
 * facilitator is scripted so each outcome (settle failed, pending, unreachable) is forced; each
 * case gets a gate with a store of its own.
 */
export function runAdapterConformance(adapter: string, mount: Mount): void {
  describe(`${adapter} adapter conformance`, () => {
    let facilitator: ScriptedFacilitator
    let app: MountedApp
    let served: Served
    const apps: MountedApp[] = []

    beforeEach(async () => {
      facilitator = new ScriptedFacilitator(['eip155:31337', 'eip155:84532'])
      served = {}
      const gate = new PaymentGate({
        routes: conformanceRoutes,
        facilitator,
        schemes: [exactEvmServer()],
        store: new MemoryResponseStore(),
      })
      app = await mount(gate, served, facilitator)
      apps.push(app)
    })
    afterAll(async () => {
      for (const mounted of apps) await mounted.close()
    })

    const harness: Conformance = {
      get facilitator() {
        return facilitator
      },
      get served() {
        return served
      },
      get url() {
        return app.url
      },
      get: (path, init = {}) => fetch(`${app.url}${path}`, init),
      async paymentFor(path, method = 'GET', nonce = Math.random(), identifier) {
        const unpaid = await fetch(`${app.url}${path}`, { method })
        const required = decodePaymentRequiredHeader(unpaid.headers.get('PAYMENT-REQUIRED')!)
        const payment: PaymentPayload = {
          x402Version: 2,
          resource: required.resource,
          accepted: required.accepts[0]!,
          payload: { signature: '0x01', authorization: { nonce: String(nonce) } },
          ...(identifier
            ? {
                extensions: {
                  'payment-identifier': { info: { required: false, id: identifier } },
                },
              }
            : {}),
        }
        return encodeJsonHeader(payment)
      },
      async paid(path, init = {}) {
        const headers = new Headers(init.headers)
        headers.set('PAYMENT-SIGNATURE', await harness.paymentFor(path, init.method))
        return fetch(`${app.url}${path}`, { ...init, headers })
      },
    }
    requestCases(harness)
    settlementCases(harness)
    replayCases(harness)
  })

  runAdapterStartup(adapter, mount)
}

import { exactEvmServer } from '@tollgate/evm'
import { PaymentGate } from '@tollgate/server'
import { describe, expect, it } from 'vitest'
import { conformanceRoutes, type Mount } from './adapterConformance.ts'
import { ScriptedFacilitator } from './scriptedFacilitator.ts'

/** How an adapter behaves before and while its facilitator can answer: it fails closed. */
export function runAdapterStartup(adapter: string, mount: Mount): void {
  describe(`${adapter} adapter start-up`, () => {
    it('fails closed while the facilitator is unreachable, and recovers when it answers', async () => {
      const facilitator = new ScriptedFacilitator()
      facilitator.supportedAnswer = new Error('ECONNREFUSED')
      const gate = new PaymentGate({
        routes: conformanceRoutes,
        facilitator,
        schemes: [exactEvmServer()],
      })
      const app = await mount(gate, {})
      try {
        const down = await fetch(`${app.url}/weather`)
        expect(down.status).toBe(503)
        expect(await down.json()).toMatchObject({ error: 'facilitator_unavailable' })
        expect((await fetch(`${app.url}/free`)).status).toBe(200)
        facilitator.supportedAnswer = {
          kinds: [{ x402Version: 2, scheme: 'exact', network: 'eip155:31337' }],
          extensions: [],
          signers: {},
        }
        await new Promise((resolve) => setTimeout(resolve, 1_100))
        expect((await fetch(`${app.url}/weather`)).status).toBe(402)
      } finally {
        await app.close()
      }
    })

    it('fails closed when the facilitator does not support a route network', async () => {
      const facilitator = new ScriptedFacilitator(['eip155:8453'])
      const gate = new PaymentGate({
        routes: conformanceRoutes,
        facilitator,
        schemes: [exactEvmServer()],
      })
      const app = await mount(gate, {})
      try {
        const response = await fetch(`${app.url}/weather`)
        expect(response.status).toBe(503)
        expect(await response.json()).toMatchObject({
          error: 'invalid_network',
          message: 'the facilitator does not support exact on eip155:31337',
        })
      } finally {
        await app.close()
      }
    })
  })
}

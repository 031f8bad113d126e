/**
 * Property tests: whatever a client sends, the facilitator answers with a status and a reason
 * (never an exception, never a 5xx other than 503 for an RPC problem), and the resource server's
 * gate answers 402 for any payment header it cannot use.
 */
import { encodeJsonHeader, errorCodes } from '@tollgate/core'
import { exactEvmClient, exactEvmServer, uptoEvmClient } from '@tollgate/evm'
import { PaymentGate } from '@tollgate/server'
import fc from 'fast-check'
import { buildEvmFacilitator, type DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ScriptedFacilitator } from './support/scriptedFacilitator.ts'
import {
  facilitatorBody,
  payerAccount,
  signPayment,
  startTestStack,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack
/** A valid request per kind of EVM payment: EIP-3009, exact over Permit2, and upto. */
const validBodies: Record<string, Record<string, unknown>> = {}
const knownReasons = new Set<string>(Object.values(errorCodes).map((entry) => entry.reason))

beforeAll(async () => {
  stack = await startTestStack()
  const { manifest } = stack
  const requirements = weatherRequirements(manifest)
  validBodies.eip3009 = facilitatorBody(await signPayment(manifest, requirements), requirements)
  const signer = payerAccount(manifest)
  const permit2 = { ...requirements, extra: { assetTransferMethod: 'permit2' } }
  validBodies.permit2 = facilitatorBody(
    {
      x402Version: 2,
      accepted: permit2,
      payload: await exactEvmClient({ signer }).createPayload(permit2, { x402Version: 2 }),
    },
    permit2,
  )
  // The fuzzed facilitator settles with the payer's key: its permit names that address.
  const upto = {
    ...requirements,
    scheme: 'upto',
    extra: { assetTransferMethod: 'permit2', facilitatorAddress: signer.address },
  }
  validBodies.upto = facilitatorBody(
    {
      x402Version: 2,
      accepted: upto,
      payload: await uptoEvmClient({ signer }).createPayload(upto, { x402Version: 2 }),
    },
    upto,
  )
})
afterAll(() => stack?.stop())

/** Replaces the value at one path of a JSON value. */
function mutate(value: unknown, path: readonly string[], replacement: unknown): unknown {
  if (path.length === 0) return replacement
  if (typeof value !== 'object' || value === null) return value
  const [head, ...rest] = path
  const copy: Record<string, unknown> = Array.isArray(value) ? ([...value] as never) : { ...value }
  copy[head!] = mutate(copy[head!], rest, replacement)
  return copy
}

function leafPaths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null) return [prefix]
  return [
    prefix,
    ...Object.entries(value).flatMap(([key, item]) => leafPaths(item, [...prefix, key])),
  ]
}

describe('facilitator under arbitrary input', () => {
  it.each(['eip3009', 'permit2', 'upto'])(
    'answers every mutated %s request with a known reason and a 200, 400 or 503',
    async (kind) => {
      const validBody = validBodies[kind]!
      const { facilitator, close } = await buildEvmFacilitator({
        networks: [
          {
            network: stack.manifest.network,
            rpcUrl: stack.manifest.rpcUrl,
            signerKeys: [stack.manifest.accounts.payer.privateKey],
            assets: [stack.manifest.asset],
          },
        ],
      })
      const paths = leafPaths(validBody)
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...paths),
          fc.oneof(fc.jsonValue(), fc.anything()),
          async (path, replacement) => {
            const body = mutate(validBody, path, replacement)
            const answer = await facilitator.verify(JSON.parse(JSON.stringify(body ?? null)))
            expect([200, 400, 503]).toContain(answer.status)
            if (!answer.body.isValid)
              expect(knownReasons.has(answer.body.invalidReason!)).toBe(true)
          },
        ),
        { numRuns: 200 },
      )
      await close()
    },
  )
})

describe('resource server gate under arbitrary payment headers', () => {
  it('answers 402 with a reason and never throws', async () => {
    const gate = new PaymentGate({
      routes: {
        'GET /paid': {
          price: '$0.001',
          network: 'eip155:84532',
          payTo: stack.manifest.accounts.merchant.address,
        },
      },
      facilitator: new ScriptedFacilitator(['eip155:84532']),
      schemes: [exactEvmServer()],
    })
    const header = fc.oneof(
      fc.string(),
      fc.base64String(),
      fc.jsonValue().map((value) => encodeJsonHeader(value)),
      fc
        .record({
          x402Version: fc.constantFrom(1, 2),
          accepted: fc.anything(),
          payload: fc.anything(),
        })
        .map(encodeJsonHeader),
    )
    await fc.assert(
      fc.asyncProperty(header, async (value) => {
        const decision = await gate.begin({
          method: 'GET',
          path: '/paid',
          url: 'http://localhost/paid',
          header: (name) => (name === 'PAYMENT-SIGNATURE' ? value : undefined),
        })
        expect(decision.kind).toBe('respond')
        if (decision.kind === 'respond') expect(decision.response.status).toBe(402)
      }),
      { numRuns: 1000 },
    )
  })
})

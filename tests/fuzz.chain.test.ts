/**
 * Property tests: whatever a client sends, the facilitator answers with a status and a reason
 * (never an exception, never a 5xx other than 503 for an RPC problem), and the resource server's
 * gate answers 402 for any payment header it cannot use.
 */
import { encodeJsonHeader, errorCodes } from '@tollgate/core'
import {
  batchSettlementEvmClient,
  batchSettlementEvmServer,
  channelIdOf,
  exactEvmClient,
  exactEvmServer,
  MemoryChannelStore,
  signVoucher,
  uptoEvmClient,
} from '@tollgate/evm'
import { MemoryResponseStore, PaymentGate } from '@tollgate/server'
import fc from 'fast-check'
import { buildFacilitator, type DevStack } from 'tollgate'
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
/**
 * A valid request per kind of EVM payment: EIP-3009, exact over Permit2, upto, and a
 * batch-settlement deposit and voucher.
 */
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
  // batch-settlement: a deposit opening a channel, and a voucher on it.
  const batch = {
    ...batchSettlementEvmServer({
      assets: {
        [manifest.network]: { ...manifest.asset, address: manifest.asset.address as `0x${string}` },
      },
    }).buildRequirements({
      network: manifest.network,
      price: '$0.001',
      payTo: manifest.accounts.merchant.address,
      maxTimeoutSeconds: 300,
    }),
  }
  batch.extra = { ...batch.extra, receiverAuthorizer: manifest.accounts.merchant.address }
  const channels = batchSettlementEvmClient({ signer })
  validBodies.deposit = facilitatorBody(
    {
      x402Version: 2,
      accepted: batch,
      payload: await channels.createPayload(batch, { x402Version: 2 }),
    },
    batch,
  )
  const deposit = validBodies.deposit.paymentPayload as {
    payload: { channelConfig: unknown; voucher: unknown }
  }
  validBodies.voucher = facilitatorBody(
    {
      x402Version: 2,
      accepted: batch,
      payload: {
        type: 'voucher',
        channelConfig: deposit.payload.channelConfig,
        voucher: deposit.payload.voucher,
      },
    },
    batch,
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
  it.each(['eip3009', 'permit2', 'upto', 'deposit', 'voucher'])(
    'answers every mutated %s request with a known reason and a 200, 400 or 503',
    async (kind) => {
      const validBody = validBodies[kind]!
      const { facilitator, close } = await buildFacilitator({
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

describe('batch-settlement gate under mutated vouchers', () => {
  it('answers 402 with a known reason for any change to a valid voucher, and serves the voucher itself', async () => {
    const { manifest } = stack
    const signer = payerAccount(manifest)
    const network = manifest.network
    const authorizer = manifest.accounts.merchant.address
    const facilitator = new ScriptedFacilitator([network])
    facilitator.supportedAnswer = {
      kinds: [
        {
          x402Version: 2,
          scheme: 'batch-settlement',
          network,
          extra: { receiverAuthorizer: authorizer },
        },
      ],
      extensions: [],
      signers: {},
    }
    // The facilitator refuses whatever reaches it: only the gate's own checks can accept.
    facilitator.verifyAnswer = {
      isValid: false,
      invalidReason: 'invalid_batch_settlement_evm_channel_not_found',
    }
    const store = new MemoryChannelStore()
    const scheme = batchSettlementEvmServer({
      assets: {
        [network]: { ...manifest.asset, address: manifest.asset.address as `0x${string}` },
      },
      store,
    })
    const gate = new PaymentGate({
      routes: {
        'GET /v': {
          scheme: 'batch-settlement',
          price: '$0.001',
          network,
          payTo: manifest.accounts.merchant.address,
        },
      },
      facilitator,
      schemes: [scheme],
      store: new MemoryResponseStore(),
    })
    await gate.initialize()
    const offer = gate.paymentRequired({ method: 'GET', path: '/v', url: 'http://localhost/v' })!
      .accepts[0]!
    const config = {
      payer: signer.address,
      payerAuthorizer: signer.address,
      receiver: offer.payTo,
      receiverAuthorizer: authorizer,
      token: offer.asset,
      withdrawDelay: 900,
      salt: `0x${'00'.repeat(32)}`,
    }
    const channelId = channelIdOf(config, manifest.chainId)
    await store.compareAndSet(channelId, 0, {
      channelId: channelId.toLowerCase(),
      config,
      balance: '1000000',
      totalClaimed: '0',
      chargedCumulativeAmount: '5000',
      signedMaxClaimable: '5000',
      signature: '0x',
      withdrawRequestedAt: 0,
      refundNonce: '0',
      openedBy: `0x${'ab'.repeat(32)}`,
      updatedAtMs: 0,
    })
    const valid = {
      x402Version: 2,
      accepted: offer,
      payload: {
        type: 'voucher',
        channelConfig: config,
        voucher: {
          channelId,
          maxClaimableAmount: '6000',
          signature: await signVoucher(signer, channelId, 6000n, manifest.chainId),
        },
      },
    }
    const present = (payment: unknown) =>
      gate.begin({
        method: 'GET',
        path: '/v',
        url: 'http://localhost/v',
        header: (name) => (name === 'PAYMENT-SIGNATURE' ? encodeJsonHeader(payment) : undefined),
      })
    // Found by this property once: a type whose own `toString` is not a function.
    const oddType = await present(mutate(valid, ['payload', 'type'], { toString: 0 }))
    expect(oddType.kind === 'respond' && oddType.response.status).toBe(402)
    const paths = leafPaths(valid.payload).map((path) => ['payload', ...path])
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.oneof(fc.jsonValue(), fc.anything()),
        async (path, replacement) => {
          const payment = JSON.parse(JSON.stringify(mutate(valid, path, replacement) ?? null))
          if (JSON.stringify(payment) === JSON.stringify(valid)) return
          const decision = await present(payment)
          expect(decision.kind).toBe('respond')
          if (decision.kind !== 'respond') return
          expect(decision.response.status).toBe(402)
          const { body } = decision.response
          const error = JSON.parse(
            typeof body === 'string' ? body : new TextDecoder().decode(body),
          ).error
          expect(knownReasons.has(error)).toBe(true)
        },
      ),
      { numRuns: 300 },
    )
    // Untouched, the voucher is accepted by the gate alone.
    expect((await present(valid)).kind).toBe('verified')
    expect(facilitator.calls.settle).toBe(0)
  })
})

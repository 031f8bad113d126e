/**
 * Goal: a chain is added in one place. A descriptor written here (an ed25519-signed ledger under
 * a namespace no package knows) brings its own config schema, secret handling and facilitator;
 * the CLI's config loader and `buildFacilitator` serve it next to the registered chains, with no
 * other package touched.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  type ChainDescriptor,
  type ChainNetworkSetup,
  type PaymentPayload,
  type PaymentRequirements,
  reject,
  type SchemeFacilitator,
  settleFailure,
} from '@tollgate/core'
import { buildFacilitator, chains, loadFacilitatorConfig, resolveNetworks } from 'tollgate'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'

interface DemoSetup extends ChainNetworkSetup {
  /** The facilitator's ed25519 key (PKCS#8 DER, base64), read from the environment. */
  settlerKey: string
}

/** Payments are an ed25519 signature by the payer over `payTo|amount|nonce`. */
function demoScheme(setups: readonly DemoSetup[]): SchemeFacilitator & { settled: string[] } {
  const settled: string[] = []
  const settler = createPrivateKey({
    key: Buffer.from(setups[0]!.settlerKey, 'base64'),
    format: 'der',
    type: 'pkcs8',
  })
  const check = (payload: PaymentPayload, requirements: PaymentRequirements) => {
    const body = payload.payload as { payer?: unknown; nonce?: unknown; signature?: unknown }
    if (typeof body.payer !== 'string' || typeof body.nonce !== 'string') {
      return reject('PAYLOAD_MALFORMED')
    }
    const message = `${requirements.payTo}|${requirements.amount}|${body.nonce}`
    const payer = createPublicKey({
      key: Buffer.from(body.payer, 'base64'),
      format: 'der',
      type: 'spki',
    })
    const ok = verify(
      null,
      Buffer.from(message),
      payer,
      Buffer.from(String(body.signature), 'base64'),
    )
    return ok
      ? { isValid: true as const, payer: body.payer }
      : reject('PAYLOAD_MALFORMED', { message: 'bad signature' })
  }
  return {
    scheme: 'exact',
    caipFamily: 'demo:*',
    networks: setups.map((setup) => setup.network),
    settled,
    extra: () => undefined,
    signers: () => ['settler'],
    verify: async (payload, requirements) => check(payload, requirements),
    async settle(payload, requirements) {
      const verdict = check(payload, requirements)
      if (!verdict.isValid) {
        return settleFailure('PAYLOAD_MALFORMED', { network: requirements.network })
      }
      const nonce = String((payload.payload as { nonce: string }).nonce)
      settled.push(nonce)
      const receipt = sign(null, Buffer.from(nonce), settler).toString('hex')
      return {
        success: true,
        transaction: receipt.slice(0, 32),
        network: requirements.network,
        payer: verdict.payer,
      }
    },
  }
}

let built: ReturnType<typeof demoScheme> | undefined
const demoChain: ChainDescriptor = {
  namespace: 'demo',
  name: 'Demo ledger',
  feeUnit: { symbol: 'DEM', decimals: 0, atomicName: 'dem' },
  label: (network) => `Demo ${network.slice('demo:'.length)}`,
  transactionUrlTemplate: () => undefined,
  sameAddress: (left, right) => left === right,
  facilitator: {
    networkConfig: z.strictObject({
      network: z.string().regex(/^demo:[a-z]+$/, 'must be demo:<name>'),
      settlerKey: z.string(),
    }),
    async resolve(entry, secrets) {
      const { network, settlerKey } = entry as { network: string; settlerKey: string }
      return {
        network,
        assets: [{ address: 'DEM', decimals: 0 }],
        settlerKey: secrets.text(settlerKey, `${network} settler key`),
      } satisfies DemoSetup
    },
    build(setups) {
      built = demoScheme(setups as readonly DemoSetup[])
      return { schemes: [built], start: async () => undefined, stop: async () => undefined }
    },
  },
}

const closers: Array<() => Promise<void>> = []
afterAll(async () => {
  for (const close of closers.reverse()) await close()
})

describe('a chain registered by its descriptor alone', () => {
  it('is configured, built and settles through the facilitator next to the others', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-chain-plugin-'))
    const path = join(dir, 'facilitator.json')
    await writeFile(
      path,
      JSON.stringify({ networks: [{ network: 'demo:one', settlerKey: '$DEMO_KEY' }] }),
    )
    const registry = [...chains, demoChain]

    // Without the descriptor the entry is refused, with the namespaces that are served.
    await expect(loadFacilitatorConfig(path)).rejects.toThrow(
      'networks.0.network: no registered chain settles demo:one: use eip155:… or solana:…',
    )
    // Its own schema checks its entries.
    const bad = join(dir, 'bad.json')
    await writeFile(bad, JSON.stringify({ networks: [{ network: 'demo:one' }] }))
    await expect(loadFacilitatorConfig(bad, registry)).rejects.toThrow('networks.0.settlerKey')

    const config = await loadFacilitatorConfig(path, registry)
    await expect(resolveNetworks(config, {}, registry)).rejects.toThrow(
      'environment variable DEMO_KEY is not set',
    )
    const settler = generateKeyPairSync('ed25519')
    const settlerKey = settler.privateKey
      .export({ format: 'der', type: 'pkcs8' })
      .toString('base64')
    const networks = await resolveNetworks(config, { DEMO_KEY: settlerKey }, registry)
    expect(networks).toEqual([
      { network: 'demo:one', assets: [{ address: 'DEM', decimals: 0 }], settlerKey },
    ])

    const facilitator = await buildFacilitator({ networks, chains: registry })
    closers.push(() => facilitator.close())
    const supported = await (await facilitator.app.fetch(new Request('http://x/supported'))).json()
    expect(supported.kinds).toContainEqual({ x402Version: 2, scheme: 'exact', network: 'demo:one' })
    expect(supported.signers['demo:*']).toEqual(['settler'])

    const payer = generateKeyPairSync('ed25519')
    const requirements: PaymentRequirements = {
      scheme: 'exact',
      network: 'demo:one',
      amount: '5',
      asset: 'DEM',
      payTo: 'merchant',
      maxTimeoutSeconds: 60,
      extra: {},
    }
    const pay = (nonce: string, signed = `merchant|5|${nonce}`) => ({
      x402Version: 2,
      paymentPayload: {
        x402Version: 2,
        accepted: requirements,
        payload: {
          payer: payer.publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
          nonce,
          signature: sign(null, Buffer.from(signed), payer.privateKey).toString('base64'),
        },
      },
      paymentRequirements: requirements,
    })
    const post = async (route: string, body: unknown) =>
      facilitator.app.fetch(
        new Request(`http://x/${route}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        }),
      )
    const verified = await post('verify', pay('n1'))
    expect(await verified.json()).toMatchObject({ isValid: true })
    const forged = await (await post('verify', pay('n2', 'merchant|500|n2'))).json()
    expect(forged).toMatchObject({ isValid: false, invalidReason: 'invalid_payload' })
    const settled = await (await post('settle', pay('n1'))).json()
    expect(settled).toMatchObject({ success: true, network: 'demo:one' })
    expect(built?.settled).toEqual(['n1'])
  })
})

/**
 * Goal: the facilitator's `upto` face advertises the facilitator address a permit must name,
 * refuses a permit naming another facilitator and a charge above the permit, and settles one
 * permit sent many times at once for one charge exactly once (another charge for the same
 * permit is refused); kill -9 after the signed transaction is stored, then a restart, ends with
 * that charge settled once from the named signer.
 * Method: the dev stack (canonical Permit2 and upto proxy on anvil; the payer approved Permit2),
 * our facilitator over HTTP; balances read back from the chain.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PaymentRequirements } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { permit2Addresses, uptoEvmClient, uptoEvmServer } from '@tollgate/evm'
import { type DevStack, listen, rpcClient } from 'tollgate'
import { type Address, getAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnFacilitator } from './support/spawnFacilitator.ts'
import {
  facilitatorBody,
  payerAccount,
  postFacilitator,
  startTestStack,
  tokenBalance,
} from './support/stack.ts'

let stack: DevStack

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(() => stack?.stop())

/** The most a request may cost: $0.01 of the 6-decimal devnet token. */
const maximum = 10_000n

const asset = () => ({ ...stack.manifest.asset, address: stack.manifest.asset.address as Address })
const payer = () => stack.manifest.accounts.payer.address
const merchant = () => stack.manifest.accounts.merchant.address

async function balances() {
  return {
    payer: await tokenBalance(stack.manifest, payer()),
    merchant: await tokenBalance(stack.manifest, merchant()),
  }
}

async function expectCharged(before: { payer: bigint; merchant: bigint }, charged: bigint) {
  const after = await balances()
  expect(before.payer - after.payer).toBe(charged)
  expect(after.merchant - before.merchant).toBe(charged)
}

describe('upto in the Tollgate facilitator', () => {
  async function signedPermit(facilitatorAddress: string) {
    const { manifest } = stack
    const requirements = {
      ...(uptoEvmServer({ assets: { [manifest.network]: asset() } }).buildRequirements({
        network: manifest.network,
        price: '$0.01',
        payTo: merchant(),
        maxTimeoutSeconds: 300,
      }) as PaymentRequirements),
    }
    requirements.extra = { ...requirements.extra, facilitatorAddress }
    const payload = await uptoEvmClient({ signer: payerAccount(manifest) }).createPayload(
      requirements,
      { x402Version: 2 },
    )
    return { requirements, payload: { x402Version: 2 as const, accepted: requirements, payload } }
  }

  it('advertises its signer as the upto facilitator address', async () => {
    const supported = await (await fetch(`${stack.manifest.facilitatorUrl}/supported`)).json()
    const upto = supported.kinds.find(
      (kind: { scheme: string; network: string }) =>
        kind.scheme === 'upto' && kind.network === stack.manifest.network,
    )
    expect(getAddress(upto.extra.facilitatorAddress)).toBe(
      getAddress(stack.manifest.accounts.facilitator.address),
    )
  })

  it('refuses a permit naming another facilitator, and a charge above the permit, with no transfer', async () => {
    const before = await balances()
    const elsewhere = await signedPermit(ANVIL_ACCOUNTS[5]!.address)
    const verdict = await postFacilitator(
      stack.manifest,
      '/verify',
      facilitatorBody(elsewhere.payload, elsewhere.requirements),
    )
    expect(verdict.body).toMatchObject({
      isValid: false,
      invalidReason: 'upto_facilitator_mismatch',
    })
    const ours = await signedPermit(stack.manifest.accounts.facilitator.address)
    const over = { ...ours.requirements, amount: String(maximum + 1n) }
    const settled = await postFacilitator(
      stack.manifest,
      '/settle',
      facilitatorBody(ours.payload, over),
    )
    expect(settled.body).toMatchObject({
      success: false,
      errorReason: 'invalid_upto_evm_payload_settlement_exceeds_amount',
    })
    await expectCharged(before, 0n)
  })

  it('settles one permit sent 10 times at once for one charge exactly once', async () => {
    const before = await balances()
    const { payload, requirements } = await signedPermit(
      stack.manifest.accounts.facilitator.address,
    )
    const charge = { ...requirements, amount: '1234' }
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        postFacilitator(stack.manifest, '/settle', facilitatorBody(payload, charge)),
      ),
    )
    for (const answer of answers)
      expect(answer.body).toMatchObject({ success: true, amount: '1234' })
    expect(new Set(answers.map((answer) => answer.body.transaction)).size).toBe(1)
    await expectCharged(before, 1234n)
    // The same permit charged again for another amount is another settlement: refused.
    const again = await postFacilitator(
      stack.manifest,
      '/settle',
      facilitatorBody(payload, { ...requirements, amount: '999' }),
    )
    expect(again.body).toMatchObject({ success: false })
    await expectCharged(before, 1234n)
  })

  it('kill -9 after the charge is stored signed: the restarted facilitator settles that charge once', async () => {
    const { manifest } = stack
    const signer = ANVIL_ACCOUNTS[6]!
    const probe = await listen({ fetch: () => new Response() }, 0)
    await probe.close()
    const config = {
      rpcUrl: manifest.rpcUrl,
      network: manifest.network,
      signerKey: signer.privateKey,
      asset: manifest.asset,
      multicall3: manifest.multicall3,
      ledger: { dataDir: await mkdtemp(join(tmpdir(), 'tollgate-upto-crash-')) },
      port: probe.port,
    }
    const { payload, requirements } = await signedPermit(signer.address)
    const body = JSON.stringify(facilitatorBody(payload, { ...requirements, amount: '4321' }))
    const post = (url: string) =>
      fetch(`${url}/settle`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      })
    const before = await balances()
    const doomed = await spawnFacilitator({ ...config, crashAt: 'after-persist' })
    await expect(post(doomed.url)).rejects.toThrow()
    expect(await doomed.exited).toBe('SIGKILL')
    const restarted = await spawnFacilitator(config)
    try {
      const retry = await (await post(restarted.url)).json()
      expect(retry).toMatchObject({ success: true, amount: '4321' })
      const sent = await rpcClient(manifest.rpcUrl).getTransaction({ hash: retry.transaction })
      expect(getAddress(sent.from)).toBe(getAddress(signer.address))
      expect(getAddress(sent.to!)).toBe(permit2Addresses.uptoProxy)
    } finally {
      expect(await restarted.stop()).toBe('0')
    }
    await expectCharged(before, 4321n)
  }, 180_000)
})

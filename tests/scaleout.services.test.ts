/**
 * Several facilitator processes on one PostgreSQL, one hot wallet: one payload settled through all
 * of them moves money once, and distinct payments never share a signer nonce.
 */
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { type DevStack, rpcClient } from 'tollgate'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'
import { type FacilitatorChild, spawnFacilitator } from './support/spawnFacilitator.ts'
import {
  facilitatorBody,
  signPayment,
  startTestStack,
  transferCount,
  weatherRequirements,
} from './support/stack.ts'

const postgresAvailable = await requireService('postgres')

describe.runIf(postgresAvailable)('three facilitator processes sharing PostgreSQL', () => {
  let stack: DevStack
  let processes: FacilitatorChild[]
  const signer = ANVIL_ACCOUNTS[7]

  beforeAll(async () => {
    stack = await startTestStack()
    const { manifest } = stack
    const config = {
      rpcUrl: manifest.rpcUrl,
      network: manifest.network,
      signerKey: signer.privateKey,
      asset: manifest.asset,
      multicall3: manifest.multicall3,
      ledger: { databaseUrl: postgresUrl, schema: uniqueSchema('scaleout') },
      port: 0,
      batch: false,
    }
    // The first creates the schema; the others start together after it.
    processes = [await spawnFacilitator(config)]
    processes.push(...(await Promise.all([spawnFacilitator(config), spawnFacilitator(config)])))
  }, 120_000)
  afterAll(async () => {
    for (const child of processes ?? []) await child.stop()
    await stack?.stop()
  })

  const post = async (url: string, body: unknown) => {
    const response = await fetch(`${url}/settle`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    })
    return (await response.json()) as Record<string, unknown>
  }

  it('settles one payload sent 50 times across them exactly once', async () => {
    const { manifest } = stack
    const requirements = weatherRequirements(manifest)
    const before = await transferCount(
      manifest,
      manifest.accounts.payer.address,
      manifest.accounts.merchant.address,
    )
    const body = facilitatorBody(await signPayment(manifest, requirements), requirements)
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) => post(processes[index % 3]!.url, body)),
    )
    const successes = answers.filter((answer) => answer.success === true)
    expect(successes.length).toBeGreaterThan(0)
    expect(new Set(successes.map((answer) => answer.transaction)).size).toBe(1)
    // Whoever did not get the outcome got a reason that says to ask again, never a failure.
    for (const answer of answers.filter((candidate) => candidate.success !== true)) {
      expect(answer.errorReason).toBe('settlement_pending')
    }
    expect(
      await transferCount(
        manifest,
        manifest.accounts.payer.address,
        manifest.accounts.merchant.address,
      ),
    ).toBe(before + 1)
    const again = await post(processes[2]!.url, body)
    expect(again).toMatchObject({ success: true, transaction: successes[0]!.transaction })
  })

  it('settles 150 distinct payments through all three from one signer without a nonce clash', async () => {
    const { manifest } = stack
    const client = rpcClient(manifest.rpcUrl)
    const nonceBefore = await client.getTransactionCount({ address: signer.address })
    const requirements = weatherRequirements(manifest)
    const bodies = await Promise.all(
      Array.from({ length: 150 }, async () =>
        facilitatorBody(await signPayment(manifest, requirements), requirements),
      ),
    )
    const answers = await Promise.all(
      bodies.map((body, index) => post(processes[index % 3]!.url, body)),
    )
    expect(answers.filter((answer) => answer.success !== true)).toEqual([])
    const hashes = answers.map((answer) => answer.transaction as Hex)
    expect(new Set(hashes).size).toBe(150)
    const nonces = await Promise.all(
      hashes.map(async (hash) => (await client.getTransaction({ hash })).nonce),
    )
    expect(nonces.sort((a, b) => a - b)).toEqual(
      Array.from({ length: 150 }, (_, index) => nonceBefore + index),
    )
  })
})

/**
 * Goal: the facilitator settles `exact` over Permit2 exactly once, as it does EIP-3009: one permit
 * sent many times at once moves money once; Permit2 and EIP-3009 payments share a batch and each
 * is judged by its own transfer; a permit someone else settled first, or a forged copy, is
 * refused with the reference's reason and no transfer; kill -9 after the transaction is stored or
 * broadcast, then a restart on the same ledger, ends with the permit settled once.
 * Method: the dev stack with the canonical Permit2 and exact proxy; our facilitator over HTTP
 * (and spawned as a child process for the kills); transfers counted from the token's logs.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PaymentPayload, PaymentRequirements } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import {
  exactEvmClient,
  exactPermit2PayloadSchema,
  permit2Addresses,
  permit2ApprovalCall,
  permit2ProxyAbi,
  type SettlementStep,
} from '@tollgate/evm'
import { type DevStack, listen, rpcClient } from 'tollgate'
import { type Address, createWalletClient, getAddress, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnFacilitator } from './support/spawnFacilitator.ts'
import {
  facilitatorBody,
  payerAccount,
  postFacilitator,
  signPayment,
  startFacilitator,
  startTestStack,
  transferCount,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack

beforeAll(async () => {
  stack = await startTestStack()
  const wallet = createWalletClient({
    account: payerAccount(stack.manifest),
    transport: http(stack.manifest.rpcUrl),
  })
  const hash = await wallet.sendTransaction({
    ...permit2ApprovalCall(stack.manifest.asset.address as Address),
    chain: null,
  })
  await rpcClient(stack.manifest.rpcUrl).waitForTransactionReceipt({ hash })
})
afterAll(() => stack?.stop())

const payer = () => stack.manifest.accounts.payer.address
const merchant = () => stack.manifest.accounts.merchant.address

function permit2Requirements(): PaymentRequirements {
  return { ...weatherRequirements(stack.manifest), extra: { assetTransferMethod: 'permit2' } }
}

async function signPermit2(requirements = permit2Requirements()): Promise<PaymentPayload> {
  const payload = await exactEvmClient({ signer: payerAccount(stack.manifest) }).createPayload(
    requirements,
    { x402Version: 2 },
  )
  return { x402Version: 2, accepted: requirements, payload }
}

function settle(payload: PaymentPayload, requirements = permit2Requirements()) {
  return postFacilitator(stack.manifest, '/settle', facilitatorBody(payload, requirements))
}

describe('exact over Permit2 in the facilitator', () => {
  it('settles one permit sent 20 times at once exactly once, with one outcome for every caller', async () => {
    const before = await transferCount(stack.manifest, payer(), merchant())
    const payload = await signPermit2()
    const answers = await Promise.all(Array.from({ length: 20 }, () => settle(payload)))
    for (const answer of answers) {
      expect(answer.status).toBe(200)
      expect(answer.body).toMatchObject({ success: true, amount: '1000', payer: payer() })
    }
    expect(new Set(answers.map((answer) => answer.body.transaction)).size).toBe(1)
    expect(await transferCount(stack.manifest, payer(), merchant())).toBe(before + 1)
    const again = await settle(payload)
    expect(again.body).toMatchObject({ success: true, transaction: answers[0]!.body.transaction })
    expect(await transferCount(stack.manifest, payer(), merchant())).toBe(before + 1)
  })

  it('batches Permit2 and EIP-3009 payments of the same value together and judges each by its own transfer', async () => {
    // A batch that closes at ten payments: the ten below share one transaction, whenever they arrive.
    const batching = await startFacilitator(stack, {
      signerKey: ANVIL_ACCOUNTS[7]!.privateKey,
      batch: { maxSize: 10, maxWaitMs: 10_000 },
    })
    try {
      const before = await transferCount(stack.manifest, payer(), merchant())
      const eip3009 = weatherRequirements(stack.manifest)
      const payloads = await Promise.all([
        ...Array.from({ length: 5 }, () => signPermit2()),
        ...Array.from({ length: 5 }, () => signPayment(stack.manifest, eip3009)),
      ])
      const answers = await Promise.all(
        payloads.map((payload, index) =>
          postFacilitator(
            batching.manifest,
            '/settle',
            facilitatorBody(payload, index < 5 ? permit2Requirements() : eip3009),
          ),
        ),
      )
      for (const answer of answers) expect(answer.body).toMatchObject({ success: true })
      expect(new Set(answers.map((answer) => answer.body.transaction)).size).toBe(1)
      expect(await transferCount(stack.manifest, payer(), merchant())).toBe(before + 10)
    } finally {
      await batching.close()
    }
  })

  it('refuses a forged copy and a permit someone else settled first, with no transfer of ours', async () => {
    const payload = await signPermit2()
    const parsed = exactPermit2PayloadSchema.parse(payload.payload)
    const forged = {
      ...payload,
      payload: {
        ...parsed,
        permit2Authorization: { ...parsed.permit2Authorization, nonce: '12345' },
      },
    }
    const refused = await settle(forged)
    expect(refused.body).toMatchObject({
      success: false,
      errorReason: 'invalid_permit2_signature',
    })

    // The merchant (anyone may call the proxy) settles the permit directly, then asks us to.
    const merchantKey = ANVIL_ACCOUNTS[3]!.privateKey
    const wallet = createWalletClient({
      account: privateKeyToAccount(merchantKey),
      transport: http(stack.manifest.rpcUrl),
    })
    const { permit2Authorization: permit, signature } = parsed
    const hash = await wallet.writeContract({
      chain: null,
      address: permit2Addresses.exactProxy,
      abi: permit2ProxyAbi,
      functionName: 'settle',
      args: [
        {
          permitted: {
            token: getAddress(permit.permitted.token),
            amount: BigInt(permit.permitted.amount),
          },
          nonce: BigInt(permit.nonce),
          deadline: BigInt(permit.deadline),
        },
        getAddress(permit.from),
        { to: getAddress(permit.witness.to), validAfter: BigInt(permit.witness.validAfter) },
        signature as Hex,
      ],
    })
    await rpcClient(stack.manifest.rpcUrl).waitForTransactionReceipt({ hash })
    const before = await transferCount(stack.manifest, payer(), merchant())
    const late = await settle(payload)
    expect(late.body).toMatchObject({ success: false, errorReason: 'permit2_invalid_nonce' })
    expect(await transferCount(stack.manifest, payer(), merchant())).toBe(before)
  })
})

async function freePort(): Promise<number> {
  const probe = await listen({ fetch: () => new Response() }, 0)
  await probe.close()
  return probe.port
}

describe('kill -9 while a permit settles', () => {
  const steps: SettlementStep[] = ['after-persist', 'after-broadcast']
  it.each(steps)(
    '%s: the restarted facilitator finishes the permit once and answers the retry',
    async (step) => {
      const { manifest } = stack
      const signer = ANVIL_ACCOUNTS[6]!
      const client = rpcClient(manifest.rpcUrl)
      const config = {
        rpcUrl: manifest.rpcUrl,
        network: manifest.network,
        signerKey: signer.privateKey,
        asset: manifest.asset,
        multicall3: manifest.multicall3,
        ledger: { dataDir: await mkdtemp(join(tmpdir(), `tollgate-permit2-crash-${step}-`)) },
        port: await freePort(),
      }
      const payload = await signPermit2()
      const body = JSON.stringify(facilitatorBody(payload, permit2Requirements()))
      const post = (url: string) =>
        fetch(`${url}/settle`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body,
        })
      const nonceBefore = await client.getTransactionCount({ address: signer.address })
      const transfersBefore = await transferCount(manifest, payer(), merchant())

      const doomed = await spawnFacilitator({ ...config, crashAt: step })
      await expect(post(doomed.url)).rejects.toThrow()
      expect(await doomed.exited).toBe('SIGKILL')

      const restarted = await spawnFacilitator(config)
      try {
        const retry = await (await post(restarted.url)).json()
        expect(retry).toMatchObject({ success: true, payer: payer() })
        const receipt = await client.getTransactionReceipt({ hash: retry.transaction as Hex })
        expect(receipt.status).toBe('success')
        expect(getAddress(receipt.to!)).toBe(permit2Addresses.exactProxy)
        expect(await client.getTransactionCount({ address: signer.address })).toBe(nonceBefore + 1)
        const moved = receipt.logs.filter(
          (log) => getAddress(log.address) === getAddress(manifest.asset.address),
        )
        expect(moved).toHaveLength(1)
        expect(await transferCount(manifest, payer(), merchant())).toBe(transfersBefore + 1)
      } finally {
        expect(await restarted.stop()).toBe('0')
      }
    },
    180_000,
  )
})

/**
 * The facilitator's /settle on a real devnet: one authorization moves money at most once,
 * however often and however concurrently it is settled; a slow chain gives
 * `settlement_pending` with the hash, never a failure, and a retry waits on that transaction.
 */
import type { PaymentRequirements } from '@tollgate/core'
import { ANVIL_ACCOUNTS, devnetChain } from '@tollgate/devnet'
import { type DevStack, rpcClient } from 'tollgate'
import { createWalletClient, erc20Abi, type Hex, http } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startFacilitator,
  startTestStack,
  tokenBalance,
  transferCount,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack
let requirements: PaymentRequirements

beforeAll(async () => {
  stack = await startTestStack()
  requirements = weatherRequirements(stack.manifest)
})
afterAll(() => stack?.stop())

const payer = () => stack.manifest.accounts.payer.address
const merchant = () => stack.manifest.accounts.merchant.address

describe('settle', () => {
  it('moves exactly the price from payer to payee and names the transaction', async () => {
    const before = await Promise.all([
      tokenBalance(stack.manifest, payer()),
      tokenBalance(stack.manifest, merchant()),
    ])
    const payload = await signPayment(stack.manifest, requirements)
    const answer = await postFacilitator(
      stack.manifest,
      '/settle',
      facilitatorBody(payload, requirements),
    )
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({
      success: true,
      network: 'eip155:31337',
      payer: payer(),
      amount: '1000',
    })
    expect(answer.body.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    const after = await Promise.all([
      tokenBalance(stack.manifest, payer()),
      tokenBalance(stack.manifest, merchant()),
    ])
    expect(before[0] - after[0]).toBe(1000n)
    expect(after[1] - before[1]).toBe(1000n)
    const receipt = await rpcClient(stack.manifest.rpcUrl).getTransactionReceipt({
      hash: answer.body.transaction as Hex,
    })
    expect(receipt.status).toBe('success')
  })

  it('settles one payload sent 20 times at once exactly once, giving every caller the same outcome', async () => {
    const transfersBefore = await transferCount(stack.manifest, payer(), merchant())
    const payload = await signPayment(stack.manifest, requirements)
    const body = facilitatorBody(payload, requirements)
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => postFacilitator(stack.manifest, '/settle', body)),
    )
    const transactions = new Set(answers.map((answer) => answer.body.transaction))
    expect(answers.every((answer) => answer.status === 200 && answer.body.success === true)).toBe(
      true,
    )
    expect(transactions.size).toBe(1)
    expect(await transferCount(stack.manifest, payer(), merchant())).toBe(transfersBefore + 1)
    // Later repeats get the recorded outcome, not a second transfer.
    const again = await postFacilitator(stack.manifest, '/settle', body)
    expect(again.body).toMatchObject({ success: true, transaction: answers[0]!.body.transaction })
    expect(await transferCount(stack.manifest, payer(), merchant())).toBe(transfersBefore + 1)
  })

  it('settles 25 different payments at once in batches whose nonces follow each other', async () => {
    const client = rpcClient(stack.manifest.rpcUrl)
    const facilitator = stack.manifest.accounts.facilitator.address
    const nonceBefore = await client.getTransactionCount({ address: facilitator })
    const transfersBefore = await transferCount(stack.manifest, payer(), merchant())
    const payloads = await Promise.all(
      Array.from({ length: 25 }, () => signPayment(stack.manifest, requirements)),
    )
    const answers = await Promise.all(
      payloads.map((payload) =>
        postFacilitator(stack.manifest, '/settle', facilitatorBody(payload, requirements)),
      ),
    )
    expect(answers.map((answer) => answer.body.success)).toEqual(Array(25).fill(true))
    const hashes = [...new Set(answers.map((answer) => answer.body.transaction as Hex))]
    // Concurrent payments share transactions: fewer transactions than payments.
    expect(hashes.length).toBeLessThan(25)
    const nonces = await Promise.all(
      hashes.map(async (hash) => (await client.getTransaction({ hash })).nonce),
    )
    expect(nonces.sort((a, b) => a - b)).toEqual(
      Array.from({ length: hashes.length }, (_, index) => nonceBefore + index),
    )
    expect(await transferCount(stack.manifest, payer(), merchant())).toBe(transfersBefore + 25)
  })

  it('refuses an invalid payment with its reason and no transaction', async () => {
    const payload = await signPayment(stack.manifest, requirements, {
      authorization: { value: '1' },
    })
    const answer = await postFacilitator(
      stack.manifest,
      '/settle',
      facilitatorBody(payload, requirements),
    )
    expect(answer).toEqual({
      status: 200,
      body: {
        success: false,
        errorReason: 'invalid_exact_evm_payload_authorization_value_mismatch',
        errorMessage: 'signed 1, required 1000',
        payer: payer(),
        transaction: '',
        network: 'eip155:31337',
      },
    })
  })

  it('answers a malformed settle request with 400 and a reason', async () => {
    const answer = await postFacilitator(stack.manifest, '/settle', '{"paymentPayload":')
    expect(answer.status).toBe(400)
    expect(answer.body).toMatchObject({
      success: false,
      errorReason: 'invalid_payload',
      transaction: '',
    })
  })
})

describe('a payer who moves the money between verify and settle', () => {
  it('gets a failed settlement that names the reverted transaction, and no transfer', async () => {
    const { manifest } = stack
    const client = rpcClient(manifest.rpcUrl)
    const funder = privateKeyToAccount(manifest.accounts.payer.privateKey)
    const drained = privateKeyToAccount(ANVIL_ACCOUNTS[8].privateKey)
    const wallet = (account: typeof funder) =>
      createWalletClient({
        account,
        chain: devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3!),
        transport: http(manifest.rpcUrl),
      })
    const token = { address: manifest.asset.address, abi: erc20Abi } as const
    await client.waitForTransactionReceipt({
      hash: await wallet(funder).writeContract({
        ...token,
        functionName: 'transfer',
        args: [drained.address, 1000n],
      }),
    })
    const payload = await signPayment(manifest, requirements, { signer: drained })
    const body = facilitatorBody(payload, requirements)
    expect((await postFacilitator(manifest, '/verify', body)).body.isValid).toBe(true)
    await client.waitForTransactionReceipt({
      hash: await wallet(drained).writeContract({
        ...token,
        functionName: 'transfer',
        args: [funder.address, 1000n],
      }),
    })
    const settled = await postFacilitator(manifest, '/settle', body)
    expect(settled.body).toMatchObject({
      success: false,
      errorReason: 'invalid_exact_evm_insufficient_balance',
      payer: drained.address,
    })
    const receipt = await client.getTransactionReceipt({ hash: settled.body.transaction as Hex })
    expect(receipt.status).toBe('reverted')
    expect(await transferCount(manifest, drained.address, merchant())).toBe(0)
  })
})

describe('a chain that does not mine in time', () => {
  it('answers settlement_pending with the hash, waits on that same transaction, and settles once', async () => {
    const client = rpcClient(stack.manifest.rpcUrl)
    const signer = ANVIL_ACCOUNTS[5]
    const slow = await startFacilitator(stack, {
      signerKey: signer.privateKey,
      receiptTimeoutMs: 300,
    })
    const slowManifest = slow.manifest
    const transfersBefore = await transferCount(stack.manifest, payer(), merchant())
    const payload = await signPayment(stack.manifest, requirements)
    const body = facilitatorBody(payload, requirements)
    await client.request({ method: 'evm_setAutomine' as never, params: [false] as never })
    try {
      const first = await postFacilitator(slowManifest, '/settle', body)
      expect(first.body).toMatchObject({ success: false, errorReason: 'settlement_pending' })
      expect(first.body.transaction).toMatch(/^0x[0-9a-f]{64}$/)
      const second = await postFacilitator(slowManifest, '/settle', body)
      expect(second.body).toMatchObject({
        errorReason: 'settlement_pending',
        transaction: first.body.transaction,
      })
      // Only one transaction from this signer ever reached the node.
      expect(
        await client.getTransactionCount({ address: signer.address, blockTag: 'pending' }),
      ).toBe(1)
      await client.request({ method: 'evm_setAutomine' as never, params: [true] as never })
      await client.request({ method: 'evm_mine' as never, params: [] as never })
      const third = await postFacilitator(slowManifest, '/settle', body)
      expect(third.body).toMatchObject({ success: true, transaction: first.body.transaction })
    } finally {
      await client.request({ method: 'evm_setAutomine' as never, params: [true] as never })
      await slow.close()
    }
    expect(await transferCount(stack.manifest, payer(), merchant())).toBe(transfersBefore + 1)
  })
})

describe('an unreachable RPC', () => {
  it('answers 503 with unexpected_verify_error, never a verdict on the payment', async () => {
    const dead = await startFacilitator(stack, {
      signerKey: ANVIL_ACCOUNTS[6].privateKey,
      rpcUrl: 'http://127.0.0.1:9',
    })
    try {
      const payload = await signPayment(stack.manifest, requirements)
      const answer = await postFacilitator(
        dead.manifest,
        '/verify',
        facilitatorBody(payload, requirements),
      )
      expect(answer.status).toBe(503)
      expect(answer.body).toMatchObject({
        isValid: false,
        invalidReason: 'unexpected_verify_error',
      })
      const ready = await fetch(`${dead.manifest.facilitatorUrl}/readyz`)
      expect(ready.status).toBe(503)
    } finally {
      await dead.close()
    }
  })
})

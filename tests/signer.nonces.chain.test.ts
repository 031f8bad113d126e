/**
 * One hot wallet under load: 500 distinct payments settled at once, one transaction each, from a
 * single signer. Every nonce is used once and in order, and the node refuses nothing (no "nonce
 * too low", no "replacement underpriced"): the RPC proxy logs every broadcast and its answer.
 */
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { type DevStack, rpcClient } from 'tollgate'
import type { Hex } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type RpcProxy, startRpcProxy } from './support/rpcProxy.ts'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startFacilitator,
  startTestStack,
  type TestFacilitator,
  transferCount,
  weatherRequirements,
} from './support/stack.ts'

const PAYMENTS = 500
const signer = ANVIL_ACCOUNTS[5]

let stack: DevStack
let proxy: RpcProxy
let facilitator: TestFacilitator

beforeAll(async () => {
  stack = await startTestStack()
  proxy = await startRpcProxy({ upstreamUrl: stack.manifest.rpcUrl })
  facilitator = await startFacilitator(stack, {
    signerKey: signer.privateKey,
    rpcUrl: proxy.url,
    batch: false,
  })
})
afterAll(async () => {
  await facilitator?.close()
  await proxy?.close()
  await stack?.stop()
})

describe('one signer, 500 payments at once, no batching', () => {
  it('confirms all of them with consecutive nonces and no refused broadcast', async () => {
    const { manifest } = stack
    const requirements = weatherRequirements(manifest)
    const chain = rpcClient(manifest.rpcUrl)
    const payer = manifest.accounts.payer.address
    const merchant = manifest.accounts.merchant.address
    const nonceBefore = await chain.getTransactionCount({ address: signer.address })
    const transfersBefore = await transferCount(manifest, payer, merchant)

    const bodies = await Promise.all(
      Array.from({ length: PAYMENTS }, async () =>
        facilitatorBody(await signPayment(manifest, requirements), requirements),
      ),
    )
    const answers = await Promise.all(
      bodies.map((body) => postFacilitator(facilitator.manifest, '/settle', body)),
    )

    const failures = answers.filter((answer) => answer.body.success !== true)
    expect(failures.map((answer) => answer.body)).toEqual([])
    const hashes = new Set(answers.map((answer) => answer.body.transaction as Hex))
    expect(hashes.size).toBe(PAYMENTS)

    const transactions = await Promise.all(
      [...hashes].map((hash) => chain.getTransaction({ hash })),
    )
    expect(new Set(transactions.map((transaction) => transaction.from.toLowerCase()))).toEqual(
      new Set([signer.address.toLowerCase()]),
    )
    expect(transactions.map((transaction) => transaction.nonce).sort((a, b) => a - b)).toEqual(
      Array.from({ length: PAYMENTS }, (_, index) => nonceBefore + index),
    )
    const receipts = await Promise.all(
      [...hashes].map((hash) => chain.getTransactionReceipt({ hash })),
    )
    expect(receipts.every((receipt) => receipt.status === 'success')).toBe(true)
    // No nonce was skipped or spent on anything else.
    expect(await chain.getTransactionCount({ address: signer.address })).toBe(
      nonceBefore + PAYMENTS,
    )
    expect(await transferCount(manifest, payer, merchant)).toBe(transfersBefore + PAYMENTS)

    // The node accepted every broadcast. A slow receipt may make recovery send a transaction
    // again, but only the same signed bytes: 500 distinct transactions went out, no replacements.
    const calls = proxy
      .calls()
      .filter((call) => call.methods.some((method) => method.startsWith('eth_sendRawTransaction')))
    expect(calls.flatMap((call) => call.upstream.flatMap((send) => send.errors))).toEqual([])
    expect(new Set(calls.flatMap((call) => call.params)).size).toBe(PAYMENTS)
  })
})

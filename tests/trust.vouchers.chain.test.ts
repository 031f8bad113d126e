/**
 * Feedback on voucher-paid calls: a batch-settlement payment has no transaction of its own, so
 * the rating names the channel's deposit. It verifies with the batch-settlement anchor, and only
 * for the payer and payee whose channel it is.
 */
import { readReceipt, wrapFetch } from '@tollgate/client'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { batchSettlementEvmClient, batchSettlementPaymentAnchor } from '@tollgate/evm'
import {
  contentRoutes,
  MemoryContentStore,
  proofOfPayment,
  publishContent,
  registerAgent,
  verifyFeedback,
} from '@tollgate/trust'
import { type DevStack, type Listening, listen } from 'tollgate'
import type { Address, Hex } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { payerAccount, startTestStack } from './support/stack.ts'
import { trustClientFor } from './support/trust.ts'

const account = (index: number) => privateKeyToAccount(ANVIL_ACCOUNTS[index]!.privateKey)
const agentOwner = account(5)
const merchantReviewer = account(7)
const sybil = account(8)

let stack: DevStack
let contentServer: Listening
let agentId: bigint

const trustFor = (signer?: PrivateKeyAccount) => trustClientFor(stack.manifest, signer)
const publish = async (bytes: Uint8Array) => (await publishContent(contentServer.url, bytes)).uri

beforeAll(async () => {
  stack = await startTestStack()
  contentServer = await listen(contentRoutes({ store: new MemoryContentStore() }), 0)
  agentId = (await registerAgent(trustFor(agentOwner), { name: 'joke-buyer' }, publish)).agentId
})
afterAll(async () => {
  await contentServer?.close()
  await stack?.stop()
})

describe('feedback on voucher payments', () => {
  it("verifies a rating anchored on the channel's deposit with the batch-settlement plug-in, not without", async () => {
    const { manifest } = stack
    const asset = { ...manifest.asset, address: manifest.asset.address as Address }
    const payer = payerAccount(manifest)
    const pay = wrapFetch(fetch, {
      schemes: [batchSettlementEvmClient({ signer: payer, assets: { [manifest.network]: asset } })],
    })
    const joke = await pay(`${manifest.exampleApiUrl}/joke`)
    expect(joke.status).toBe(200)
    const deposit = readReceipt(joke)?.transaction as Hex
    expect(deposit).toMatch(/^0x[0-9a-f]{64}$/)
    const given = await trustFor(merchantReviewer).giveFeedback({
      agentId,
      value: 80,
      file: {
        proofOfPayment: proofOfPayment({
          payer: payer.address,
          payTo: manifest.accounts.merchant.address as Address,
          chainId: manifest.chainId,
          transaction: deposit,
        }),
      },
      publish,
    })
    const check = (anchors: Parameters<typeof verifyFeedback>[4]) =>
      verifyFeedback(trustFor(), agentId, merchantReviewer.address, given.feedbackIndex, anchors)
    // The deposit moves the payer's tokens into the escrow, not to the payee.
    expect((await check({})).problems.map((problem) => problem.reason)).toEqual([
      'trust_proof_of_payment_no_transfer',
    ])
    expect(await check({ anchors: [batchSettlementPaymentAnchor()] })).toMatchObject({
      verified: true,
      problems: [],
    })
    // A channel with another receiver anchors nothing for this payee.
    const other = await trustFor(merchantReviewer).giveFeedback({
      agentId,
      value: 80,
      file: {
        proofOfPayment: proofOfPayment({
          payer: payer.address,
          payTo: sybil.address,
          chainId: manifest.chainId,
          transaction: deposit,
        }),
      },
      publish,
    })
    const elsewhere = await verifyFeedback(
      trustFor(),
      agentId,
      merchantReviewer.address,
      other.feedbackIndex,
      {
        anchors: [batchSettlementPaymentAnchor()],
      },
    )
    expect(elsewhere.verified).toBe(false)
  })
})

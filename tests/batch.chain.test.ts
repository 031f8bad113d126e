/**
 * Batched settlement through Multicall3: many payments per transaction, each payment's result
 * read from the receipt, and one bad authorization never failing the others.
 */
import { ANVIL_ACCOUNTS, devnetChain } from '@tollgate/devnet'
import { type DevStack, rpcClient } from 'tollgate'
import { createWalletClient, erc20Abi, type Hex, http, parseEther } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
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

let stack: DevStack
let facilitator: TestFacilitator

beforeAll(async () => {
  stack = await startTestStack()
  // A wide window so a burst of requests shares one transaction.
  facilitator = await startFacilitator(stack, {
    signerKey: ANVIL_ACCOUNTS[4].privateKey,
    batch: { maxSize: 100, maxWaitMs: 300 },
  })
})
afterAll(async () => {
  await facilitator?.close()
  await stack?.stop()
})

describe('a batch of 100 with 5 bad authorizations', () => {
  it('settles the 95 good ones and fails the 5 with their reasons, in few transactions', async () => {
    const { manifest } = stack
    const client = rpcClient(manifest.rpcUrl)
    const chain = devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3!)
    const funder = createWalletClient({
      account: privateKeyToAccount(manifest.accounts.payer.privateKey),
      chain,
      transport: http(manifest.rpcUrl),
    })
    const requirements = weatherRequirements(manifest)
    // Five payers that verify fine, then empty their balance before the settlement.
    const drained = Array.from({ length: 5 }, () => privateKeyToAccount(generatePrivateKey()))
    for (const account of drained) {
      await client.request({
        method: 'anvil_setBalance' as never,
        params: [account.address, `0x${parseEther('1').toString(16)}`] as never,
      })
      await client.waitForTransactionReceipt({
        hash: await funder.writeContract({
          address: manifest.asset.address,
          abi: erc20Abi,
          functionName: 'transfer',
          args: [account.address, 1000n],
        }),
      })
    }
    const bad = await Promise.all(
      drained.map((signer) => signPayment(manifest, requirements, { signer })),
    )
    for (const payload of bad) {
      expect(
        (
          await postFacilitator(
            facilitator.manifest,
            '/verify',
            facilitatorBody(payload, requirements),
          )
        ).body.isValid,
      ).toBe(true)
    }
    for (const account of drained) {
      const wallet = createWalletClient({ account, chain, transport: http(manifest.rpcUrl) })
      await client.waitForTransactionReceipt({
        hash: await wallet.writeContract({
          address: manifest.asset.address,
          abi: erc20Abi,
          functionName: 'transfer',
          args: [manifest.accounts.payer.address, 1000n],
        }),
      })
    }
    const good = await Promise.all(
      Array.from({ length: 95 }, () => signPayment(manifest, requirements)),
    )
    const before = await transferCount(
      manifest,
      manifest.accounts.payer.address,
      manifest.accounts.merchant.address,
    )
    const payloads = [...good.slice(0, 50), ...bad, ...good.slice(50)]
    const answers = await Promise.all(
      payloads.map((payload) =>
        postFacilitator(facilitator.manifest, '/settle', facilitatorBody(payload, requirements)),
      ),
    )
    const failed = answers.filter((answer) => answer.body.success !== true)
    expect(answers.filter((answer) => answer.body.success === true)).toHaveLength(95)
    expect(failed.map((answer) => answer.body.errorReason)).toEqual(
      Array(5).fill('invalid_exact_evm_insufficient_balance'),
    )
    expect(failed.map((answer) => answer.body.payer).sort()).toEqual(
      drained.map((account) => account.address).sort(),
    )
    expect(
      await transferCount(
        manifest,
        manifest.accounts.payer.address,
        manifest.accounts.merchant.address,
      ),
    ).toBe(before + 95)
    const transactions = new Set(answers.map((answer) => answer.body.transaction as Hex))
    // Far fewer transactions than payments. How few depends on how the 100 requests spread over
    // the flush windows, which a loaded machine stretches: typically 3 to 10, at most half.
    expect(transactions.size).toBeLessThanOrEqual(payloads.length / 2)
    for (const answer of failed) expect(transactions.has(answer.body.transaction as Hex)).toBe(true)
    // Gas per payment in batches: under a lone transferWithAuthorization (about 71,000).
    const receipts = await Promise.all(
      [...transactions].map((hash) => client.getTransactionReceipt({ hash })),
    )
    const gas = receipts.reduce((sum, receipt) => sum + receipt.gasUsed, 0n)
    expect(Number(gas) / 100).toBeLessThan(60_000)
  })
})

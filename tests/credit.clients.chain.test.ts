/**
 * Serve first, pay later, from the agent's and the operator's side: wrapFetch and axios with an
 * agent identity, the merchant's ratings from credit outcomes, the dev stack's example seller and
 * its dashboard view, and a trust source that cannot be read (the request pays first).
 */
import { readReceipt, wrapFetch } from '@tollgate/client'
import { withPayments } from '@tollgate/client/axios'
import { decodePaymentResponseHeader, MemoryCreditBook } from '@tollgate/core'
import { devnetChain } from '@tollgate/devnet'
import { exactEvmClient } from '@tollgate/evm'
import {
  agentIdentity,
  creditFeedback,
  fetchContent,
  TrustClient,
  verifyFeedback,
} from '@tollgate/trust'
import axios from 'axios'
import { type Address, createPublicClient, http } from 'viem'
import { describe, expect, it } from 'vitest'
import {
  account,
  agents,
  brokeWallet,
  call,
  creditServer,
  prepare,
  price,
  publish,
  setUpCreditStack,
  stack,
  trustFor,
} from './support/creditStack.ts'
import { payerAccount } from './support/stack.ts'

setUpCreditStack()

describe('when trust cannot be read', () => {
  it('pays first: an identity registry that does not answer extends no credit and breaks nothing', async () => {
    const registries = stack.manifest.erc8004
    if (!registries) throw new Error('no registries')
    const chain = devnetChain(
      stack.manifest.chainId,
      'http://127.0.0.1:9',
      stack.manifest.multicall3 as Address,
    )
    const unreachable = new TrustClient({
      publicClient: createPublicClient({
        chain,
        transport: http('http://127.0.0.1:59998', { retryCount: 0 }),
      }),
      registries,
    })
    const book = new MemoryCreditBook()
    const server = await creditServer(book, 10n * price, {}, unreachable)
    const url = `${server.url}/weather`
    const answer = await call(url, await prepare(url, agents.trusted, payerAccount(stack.manifest)))
    expect(answer.status).toBe(200)
    expect(answer.receipt?.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await book.outstanding()).toEqual([])
  })
})

describe('an agent paying with wrapFetch', () => {
  it('is served on credit when it declares its identity, and pays first without it', async () => {
    const book = new MemoryCreditBook()
    const server = await creditServer(book)
    const signer = payerAccount(stack.manifest)
    const asset = { ...stack.manifest.asset, address: stack.manifest.asset.address as Address }
    const schemes = [exactEvmClient({ signer, assets: { [stack.manifest.network]: asset } })]
    const identify = agentIdentity({
      signer,
      agentRegistry: trustFor().agentRegistry,
      agentId: agents.trusted,
    })
    const asAgent = wrapFetch(fetch, { schemes, identify })
    const credited = await asAgent(`${server.url}/weather`)
    expect(credited.status).toBe(200)
    expect(readReceipt(credited)).toMatchObject({ success: true, transaction: '' })
    const anonymous = wrapFetch(fetch, { schemes })
    const paid = await anonymous(`${server.url}/weather`)
    expect(paid.status).toBe(200)
    expect(readReceipt(paid)?.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect((await book.outstanding()).map((entry) => entry.amount)).toEqual([price])
    // The axios interceptor sends the same identification.
    const viaAxios = withPayments(axios.create(), { schemes, identify })
    const answer = await viaAxios.get(`${server.url}/weather`)
    expect(decodePaymentResponseHeader(String(answer.headers['payment-response']))).toMatchObject({
      transaction: '',
    })
    expect(await book.outstanding()).toHaveLength(2)
    await server.gate.settleCredited()
  })
})

describe("the merchant's ratings", () => {
  it('rate a settled credited payment with the settlement as proof, and a default with the evidence', async () => {
    const rater = account(4)
    const hooks = creditFeedback({ reviewer: trustFor(rater), publish })
    const server = await creditServer(new MemoryCreditBook(), 10n * price, hooks)
    const url = `${server.url}/weather`
    expect(
      (await call(url, await prepare(url, agents.trusted, payerAccount(stack.manifest)))).status,
    ).toBe(200)
    expect((await call(url, await prepare(url, agents.broke, brokeWallet))).status).toBe(200)
    await server.gate.settleCredited()

    const good = await verifyFeedback(trustFor(), agents.trusted, rater.address, 1n, {
      tokens: [stack.manifest.asset.address as Address],
    })
    expect(good).toMatchObject({
      verified: true,
      feedback: { value: '100', tag2: 'credit-settled' },
    })
    const bad = await trustFor().feedback(agents.broke, rater.address, 1n)
    expect(bad).toMatchObject({ value: '0', tag2: 'credit-defaulted' })
    const evidence = JSON.parse(new TextDecoder().decode(await fetchContent(bad.feedbackURI)))
    expect(evidence.evidence.reason).toContain('insufficient_balance')
    expect(evidence.evidence.authorization.from).toBe(brokeWallet.address)
  })
})

describe("the dev stack's example seller", () => {
  it('serves GET /report first to an agent the merchant rated, and the dashboard shows the credit', async () => {
    const merchant = account(3)
    await trustFor(merchant).giveFeedback({ agentId: agents.trusted, value: 90, publish })
    const signer = payerAccount(stack.manifest)
    const asset = { ...stack.manifest.asset, address: stack.manifest.asset.address as Address }
    const pay = wrapFetch(fetch, {
      schemes: [exactEvmClient({ signer, assets: { [stack.manifest.network]: asset } })],
      identify: agentIdentity({
        signer,
        agentRegistry: trustFor().agentRegistry,
        agentId: agents.trusted,
      }),
    })
    const report = await pay(`${stack.manifest.exampleApiUrl}/report`)
    expect(report.status).toBe(200)
    expect(readReceipt(report)).toMatchObject({ success: true, transaction: '' })
    const credit = async () => {
      const answer = await fetch(`${stack.manifest.facilitatorUrl}/api/credit`)
      const body = (await answer.json()) as {
        enabled: boolean
        agents: Array<Record<string, unknown>>
      }
      return body.agents.find((row) => String(row.agent).endsWith(`:${agents.trusted}`))
    }
    const row = await credit()
    expect(row).toMatchObject({
      network: stack.manifest.network,
      symbol: 'USDC',
      reputation: { value: '90', count: 1 },
    })
    // The example seller settles its credited payments in the background within a second.
    let settled = row
    for (let i = 0; i < 50 && settled?.settled !== String(price); i++) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      settled = await credit()
    }
    expect(settled).toMatchObject({
      outstanding: '0',
      settled: String(price),
      defaulted: '0',
      creditedCount: 1,
    })
  })
})

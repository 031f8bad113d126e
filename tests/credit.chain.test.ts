/**
 * Serve first, pay later, on the devnet: agents with an ERC-8004 identity and a good name among
 * the merchant's reviewers are served before their payment settles; everyone else pays first.
 * Exposure is bounded per agent under concurrency, and a credited payment that fails to settle
 * becomes a debt that survives a restart and stops further credit.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readReceipt, wrapFetch } from '@tollgate/client'
import { withPayments } from '@tollgate/client/axios'
import {
  type CreditBook,
  type CreditLine,
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentHeader,
  MemoryCreditBook,
  type PaymentRequirements,
} from '@tollgate/core'
import { ANVIL_ACCOUNTS, devnetChain } from '@tollgate/devnet'
import { exactEvmClient, exactEvmServer } from '@tollgate/evm'
import { openLedger, SqlCreditBook } from '@tollgate/ledger'
import { MemoryResponseStore, PaymentGate } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import {
  agentIdentity,
  agentIdentityDeclaration,
  contentRoutes,
  creditFeedback,
  encodeSiwxHeader,
  fetchContent,
  MemoryContentStore,
  publishContent,
  registerAgent,
  reputationCredit,
  SIGN_IN_WITH_X,
  type SiwxExtension,
  signSiwxChallenge,
  TrustClient,
  verifyFeedback,
} from '@tollgate/trust'
import axios from 'axios'
import { Hono } from 'hono'
import { type DevStack, type Listening, listen } from 'tollgate'
import { type Address, createPublicClient, createWalletClient, erc20Abi, http } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { payerAccount, signPayment, startTestStack, tokenBalance } from './support/stack.ts'
import { trustClientFor } from './support/trust.ts'

const account = (index: number) => privateKeyToAccount(ANVIL_ACCOUNTS[index]!.privateKey)
const agentOwner = account(5)
const merchantReviewer = account(7)
const untrustedWallet = account(8)
const brokeWallet = account(9)
const price = 1000n

let stack: DevStack
let contentServer: Listening
const agents: Record<'trusted' | 'untrusted' | 'broke', bigint> = {
  trusted: 0n,
  untrusted: 0n,
  broke: 0n,
}
const closers: Array<() => Promise<void>> = []

function chain() {
  const { manifest } = stack
  return devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3 as Address)
}

const trustFor = (signer?: PrivateKeyAccount) => trustClientFor(stack.manifest, signer)

const publish = async (bytes: Uint8Array) => (await publishContent(contentServer.url, bytes)).uri

async function newAgent(name: string, wallet: PrivateKeyAccount, score?: number): Promise<bigint> {
  const { agentId } = await registerAgent(trustFor(agentOwner), { name }, publish)
  await trustFor(agentOwner).setAgentWallet(agentId, wallet)
  if (score !== undefined)
    await trustFor(merchantReviewer).giveFeedback({ agentId, value: score, publish })
  return agentId
}

/** A server selling `/weather` and `/forecast` with a credit line over `book`. */
async function creditServer(
  book: CreditBook,
  perAgentMax = 10n * price,
  hooks: Pick<CreditLine, 'onSettled' | 'onDefaulted'> = {},
  trust: TrustClient = trustFor(),
) {
  const { manifest } = stack
  const credit = reputationCredit({
    trust,
    book,
    reviewers: [merchantReviewer.address],
    minScore: 80,
    perAgentMax,
    totalMax: 100n * price,
    settleWithinSeconds: 30,
    ...hooks,
  })
  const option = {
    price: {
      amount: String(price),
      asset: manifest.asset.address,
      extra: { name: manifest.asset.name, version: manifest.asset.version },
    },
    network: manifest.network,
    payTo: manifest.accounts.merchant.address,
    credit,
  }
  const gate = new PaymentGate({
    routes: { 'GET /weather': option, 'GET /forecast': option },
    facilitator: { url: manifest.facilitatorUrl },
    schemes: [exactEvmServer()],
    store: new MemoryResponseStore(),
    paywall: false,
    // Nothing settles on its own during a test: each settles when it says so.
    creditSettlement: { batchMs: 600_000, batchSize: 1000, retryMs: 600_000 },
  })
  const app = new Hono()
  app.use(paymentMiddleware(gate))
  app.get('/weather', (c) => c.json({ forecast: 'sunny' }))
  app.get('/forecast', (c) => c.json({ forecast: 'rain' }))
  const server = await listen(app, 0)
  const stop = async () => {
    await server.close()
    await gate.close()
  }
  closers.push(stop)
  return { url: server.url, gate, stop }
}

interface Prepared {
  headers: Record<string, string>
  challenge: SiwxExtension
  requirements: PaymentRequirements
}

/** Asks for the 402, then signs in as `signer` for `agentId` and signs a payment with `payer`. */
async function prepare(
  url: string,
  agentId: bigint,
  signer: PrivateKeyAccount,
  payer = signer,
): Promise<Prepared> {
  const answer = await fetch(url)
  expect(answer.status).toBe(402)
  const required = decodePaymentRequiredHeader(answer.headers.get('payment-required') ?? '')
  const challenge = required.extensions?.[SIGN_IN_WITH_X] as SiwxExtension
  const requirements = required.accepts[0]!
  const signIn = await signSiwxChallenge(
    { ...challenge.info, chainId: 'eip155:31337', type: 'eip191' },
    signer,
  )
  const payment = await signPayment(stack.manifest, requirements, { signer: payer })
  payment.extensions = agentIdentityDeclaration({
    agentRegistry: trustFor().agentRegistry,
    agentId,
  })
  return {
    headers: {
      'payment-signature': encodePaymentHeader(payment).value,
      [SIGN_IN_WITH_X]: encodeSiwxHeader(signIn),
    },
    challenge,
    requirements,
  }
}

async function call(url: string, prepared: Prepared) {
  const response = await fetch(url, { headers: prepared.headers })
  const receiptHeader = response.headers.get('payment-response')
  const receipt = receiptHeader ? decodePaymentResponseHeader(receiptHeader) : undefined
  const body = response.headers.get('content-type')?.includes('json')
    ? await response.json()
    : await response.text()
  return { status: response.status, receipt, body }
}

const merchantBalance = () => tokenBalance(stack.manifest, stack.manifest.accounts.merchant.address)

beforeAll(async () => {
  stack = await startTestStack()
  contentServer = await listen(contentRoutes({ store: new MemoryContentStore() }), 0)
  // The untrusted agent can pay; the broke one signs payments it cannot cover.
  const payer = createWalletClient({
    account: payerAccount(stack.manifest),
    chain: chain(),
    transport: http(),
  })
  await createPublicClient({ chain: chain(), transport: http() }).waitForTransactionReceipt({
    hash: await payer.writeContract({
      address: stack.manifest.asset.address as Address,
      abi: erc20Abi,
      functionName: 'transfer',
      args: [untrustedWallet.address, 100n * price],
    }),
  })
  agents.trusted = await newAgent('trusted', payerAccount(stack.manifest), 95)
  agents.untrusted = await newAgent('untrusted', untrustedWallet, 40)
  agents.broke = await newAgent('broke', brokeWallet, 90)
})
afterAll(async () => {
  for (const close of closers) await close()
  await contentServer?.close()
  await stack?.stop()
})

describe('serve first, pay later', () => {
  it('serves a trusted agent before its payment settles, then settles it in the background', async () => {
    const book = new MemoryCreditBook()
    const server = await creditServer(book)
    const before = await merchantBalance()
    const prepared = await prepare(
      `${server.url}/weather`,
      agents.trusted,
      payerAccount(stack.manifest),
    )
    const served = await call(`${server.url}/weather`, prepared)
    expect(served).toMatchObject({ status: 200, body: { forecast: 'sunny' } })
    expect(served.receipt).toMatchObject({
      success: true,
      transaction: '',
      extra: { credit: { state: 'outstanding' } },
    })
    expect(await merchantBalance()).toBe(before)
    expect((await book.outstanding()).map((entry) => entry.amount)).toEqual([price])

    await server.gate.settleCredited()
    const [entry] = (await book.agents()).filter((row) => row.agent.endsWith(`:${agents.trusted}`))
    expect(entry).toMatchObject({ outstanding: 0n, settled: price })
    expect(await book.outstanding()).toEqual([])
    expect(await merchantBalance()).toBe(before + price)
  })

  it('makes an agent the reviewers rate low pay first, and one that signs in as nobody too', async () => {
    const book = new MemoryCreditBook()
    const server = await creditServer(book)
    const before = await merchantBalance()
    const paid = await call(
      `${server.url}/weather`,
      await prepare(`${server.url}/weather`, agents.untrusted, untrustedWallet),
    )
    expect(paid.status).toBe(200)
    expect(paid.receipt?.transaction).toMatch(/^0x[0-9a-f]{64}$/)
    expect(await merchantBalance()).toBe(before + price)
    expect(await book.outstanding()).toEqual([])
  })

  it('never lets 50 concurrent requests of one trusted agent exceed its cap', async () => {
    const book = new MemoryCreditBook()
    const server = await creditServer(book, 5n * price)
    const url = `${server.url}/weather`
    const prepared: Prepared[] = []
    for (let i = 0; i < 50; i++)
      prepared.push(await prepare(url, agents.trusted, payerAccount(stack.manifest)))
    const answers = await Promise.all(prepared.map((one) => call(url, one)))
    expect(answers.every((answer) => answer.status === 200)).toBe(true)
    const credited = answers.filter((answer) => answer.receipt?.transaction === '')
    const paidFirst = answers.filter((answer) =>
      /^0x[0-9a-f]{64}$/.test(answer.receipt?.transaction ?? ''),
    )
    expect(credited).toHaveLength(5)
    expect(paidFirst).toHaveLength(45)
    const outstanding = (await book.outstanding()).reduce((sum, entry) => sum + entry.amount, 0n)
    expect(outstanding).toBe(5n * price)
    await server.gate.settleCredited()
    expect(await book.outstanding()).toEqual([])
  })

  it('records a credited payment that fails to settle as a debt that survives a restart and stops credit', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'tollgate-credit-'))
    const ledger = await openLedger({ dataDir })
    const first = await creditServer(new SqlCreditBook(ledger.sql))
    const url = `${first.url}/weather`
    const served = await call(url, await prepare(url, agents.broke, brokeWallet))
    expect(served).toMatchObject({ status: 200, receipt: { transaction: '' } })
    await first.gate.settleCredited()
    await first.stop()
    await ledger.close()

    const reopened = await openLedger({ dataDir })
    closers.push(() => reopened.close())
    const book = new SqlCreditBook(reopened.sql)
    const [debt] = (await book.agents()).filter((row) => row.agent.endsWith(`:${agents.broke}`))
    expect(debt).toMatchObject({ outstanding: 0n, defaulted: price })
    const second = await creditServer(book)
    const again = await call(
      `${second.url}/weather`,
      await prepare(`${second.url}/weather`, agents.broke, brokeWallet),
    )
    // No credit now: the payment is verified first, and this wallet cannot cover it.
    expect(again.status).toBe(402)
    expect(again.body).toMatchObject({ error: 'invalid_exact_evm_insufficient_balance' })
  })
})

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

describe('forged identity through the gate', () => {
  it('refuses a sign-in by a key that is not the agent wallet, a reused nonce and another route', async () => {
    const server = await creditServer(new MemoryCreditBook())
    const weather = `${server.url}/weather`
    const notTheWallet = await prepare(
      weather,
      agents.trusted,
      agentOwner,
      payerAccount(stack.manifest),
    )
    expect((await call(weather, notTheWallet)).body).toMatchObject({
      error: 'invalid_siwx_not_agent_wallet',
    })

    const honest = await prepare(weather, agents.trusted, payerAccount(stack.manifest))
    expect((await call(weather, honest)).status).toBe(200)
    // The same sign-in with a new payment: the nonce is spent.
    const replay = await prepare(weather, agents.trusted, payerAccount(stack.manifest))
    replay.headers[SIGN_IN_WITH_X] = honest.headers[SIGN_IN_WITH_X]!
    expect((await call(weather, replay)).body).toMatchObject({ error: 'invalid_siwx_nonce' })

    const forWeather = await prepare(weather, agents.trusted, payerAccount(stack.manifest))
    const forecast = await call(`${server.url}/forecast`, forWeather)
    expect(forecast.body).toMatchObject({ error: 'invalid_siwx_operation_mismatch' })
  })
})

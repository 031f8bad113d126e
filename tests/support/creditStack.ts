/**
 * The world the credit tests share: a dev stack, a content store, three registered agents
 * (trusted, untrusted, broke), and a seller whose routes extend credit over a given book.
 * @module
 */
import {
  type CreditBook,
  type CreditLine,
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentHeader,
  type PaymentRequirements,
} from '@tollgate/core'
import { ANVIL_ACCOUNTS, devnetChain } from '@tollgate/devnet'
import { exactEvmServer } from '@tollgate/evm'
import { MemoryResponseStore, PaymentGate } from '@tollgate/server'
import { paymentMiddleware } from '@tollgate/server/hono'
import {
  agentIdentityDeclaration,
  contentRoutes,
  encodeSiwxHeader,
  MemoryContentStore,
  publishContent,
  registerAgent,
  reputationCredit,
  SIGN_IN_WITH_X,
  type SiwxExtension,
  signSiwxChallenge,
  type TrustClient,
} from '@tollgate/trust'
import { Hono } from 'hono'
import { type DevStack, type Listening, listen } from 'tollgate'
import { type Address, createPublicClient, createWalletClient, erc20Abi, http } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, expect } from 'vitest'
import { payerAccount, signPayment, startTestStack, tokenBalance } from './stack.ts'
import { trustClientFor } from './trust.ts'

export const account = (index: number) => privateKeyToAccount(ANVIL_ACCOUNTS[index]!.privateKey)
export const agentOwner = account(5)
export const merchantReviewer = account(7)
export const untrustedWallet = account(8)
export const brokeWallet = account(9)
export const price = 1000n

export let stack: DevStack
export let contentServer: Listening
export const agents: Record<'trusted' | 'untrusted' | 'broke', bigint> = {
  trusted: 0n,
  untrusted: 0n,
  broke: 0n,
}
export const closers: Array<() => Promise<void>> = []

export function chain() {
  const { manifest } = stack
  return devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3 as Address)
}

export const trustFor = (signer?: PrivateKeyAccount) => trustClientFor(stack.manifest, signer)

export const publish = async (bytes: Uint8Array) =>
  (await publishContent(contentServer.url, bytes)).uri

export async function newAgent(
  name: string,
  wallet: PrivateKeyAccount,
  score?: number,
): Promise<bigint> {
  const { agentId } = await registerAgent(trustFor(agentOwner), { name }, publish)
  await trustFor(agentOwner).setAgentWallet(agentId, wallet)
  if (score !== undefined)
    await trustFor(merchantReviewer).giveFeedback({ agentId, value: score, publish })
  return agentId
}

/** A server selling `/weather` and `/forecast` with a credit line over `book`. */
export async function creditServer(
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

export interface Prepared {
  headers: Record<string, string>
  challenge: SiwxExtension
  requirements: PaymentRequirements
}

/** Asks for the 402, then signs in as `signer` for `agentId` and signs a payment with `payer`. */
export async function prepare(
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

export async function call(url: string, prepared: Prepared) {
  const response = await fetch(url, { headers: prepared.headers })
  const receiptHeader = response.headers.get('payment-response')
  const receipt = receiptHeader ? decodePaymentResponseHeader(receiptHeader) : undefined
  const body = response.headers.get('content-type')?.includes('json')
    ? await response.json()
    : await response.text()
  return { status: response.status, receipt, body }
}

export const merchantBalance = () =>
  tokenBalance(stack.manifest, stack.manifest.accounts.merchant.address)

/** The dev stack, the content store and the three agents, for the calling test file. */
export function setUpCreditStack(): void {
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
}

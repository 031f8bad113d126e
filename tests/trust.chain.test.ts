/**
 * @tollgate/trust on the devnet's ERC-8004 registries: an agent registered with its file on
 * Tollgate's content store, its wallet set by EIP-712 consent, feedback resting on a payment the
 * facilitator settled, and agent0-sdk reading all of it back as an independent client.
 */

import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import {
  AgentWallets,
  agentIdentityDeclaration,
  contentRoutes,
  declaredAgent,
  encodeSiwxHeader,
  feedbackFileBytes,
  MemoryContentStore,
  proofOfPayment,
  publishContent,
  registerAgent,
  SiwxGate,
  signSiwxChallenge,
  type TrustClient,
  verifyFeedback,
} from '@tollgate/trust'
import { SDK } from 'agent0-sdk'
import { type DevStack, type Listening, listen } from 'tollgate'
import type { Address, Hex } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startTestStack,
  weatherRequirements,
} from './support/stack.ts'
import { trustClientFor } from './support/trust.ts'

const account = (index: number) => privateKeyToAccount(ANVIL_ACCOUNTS[index]!.privateKey)
const agentOwner = account(5)
const agentWallet = account(6)
const merchantReviewer = account(7)
const sybil = account(8)

let stack: DevStack
let contentServer: Listening
let registries: NonNullable<DevStack['manifest']['erc8004']>

const trustFor = (signer?: PrivateKeyAccount) => trustClientFor(stack.manifest, signer)

const publish = async (bytes: Uint8Array) => (await publishContent(contentServer.url, bytes)).uri

function agent0() {
  const sdk = new SDK({
    chainId: stack.manifest.chainId,
    rpcUrl: stack.manifest.rpcUrl,
    registryOverrides: {
      [stack.manifest.chainId]: {
        IDENTITY: registries.identityRegistry,
        REPUTATION: registries.reputationRegistry,
        VALIDATION: registries.validationRegistry,
      },
    },
  })
  // agent0-sdk 1.7.1 hands the reputation address to getFeedback only once it was asked for.
  sdk.reputationRegistryAddress()
  return sdk
}

/** Pays the example API's weather price through the facilitator; the settlement it answers. */
async function settledPayment() {
  const requirements = weatherRequirements(stack.manifest)
  const payload = await signPayment(stack.manifest, requirements)
  const answer = await postFacilitator(
    stack.manifest,
    '/settle',
    facilitatorBody(payload, requirements),
  )
  expect(answer.body.success).toBe(true)
  return proofOfPayment({
    payer: answer.body.payer as Address,
    payTo: requirements.payTo as Address,
    chainId: stack.manifest.chainId,
    transaction: answer.body.transaction as Hex,
  })
}

let agentId: bigint

beforeAll(async () => {
  stack = await startTestStack()
  if (!stack.manifest.erc8004) throw new Error('the dev manifest names no ERC-8004 registries')
  registries = stack.manifest.erc8004
  contentServer = await listen(contentRoutes({ store: new MemoryContentStore() }), 0)
  const registered = await registerAgent(
    trustFor(agentOwner),
    {
      name: 'weather-agent',
      description: 'Sells the weather per request',
      x402Endpoint: `${stack.manifest.exampleApiUrl}/weather`,
      services: [
        { name: 'A2A', endpoint: `${stack.manifest.exampleApiUrl}/.well-known/agent-card.json` },
        { name: 'MCP', endpoint: `${stack.manifest.exampleApiUrl}/mcp` },
      ],
    },
    publish,
  )
  agentId = registered.agentId
})
afterAll(async () => {
  await contentServer?.close()
  await stack?.stop()
})

describe('identity', () => {
  it('registers the agent with a file that names its id, read alike by us and by agent0-sdk', async () => {
    const trust = trustFor()
    const identity = await trust.agent(agentId)
    expect(identity.owner).toBe(agentOwner.address)
    expect(identity.agentURI).toMatch(
      new RegExp(`^${contentServer.url}/content/0x[0-9a-f]{64}\\.json$`),
    )
    const file = await trust.registration(agentId)
    expect(file.registrations).toEqual([
      { agentId: Number(agentId), agentRegistry: trust.agentRegistry },
    ])
    expect(file.x402Support).toBe(true)

    const theirs = await agent0().loadAgent(`${stack.manifest.chainId}:${agentId}`)
    expect(theirs.name).toBe(file.name)
    expect(theirs.agentURI).toBe(identity.agentURI)
    expect(theirs.a2aEndpoint).toBe(`${stack.manifest.exampleApiUrl}/.well-known/agent-card.json`)
    expect(theirs.mcpEndpoint).toBe(`${stack.manifest.exampleApiUrl}/mcp`)
  })

  it('sets the agent wallet with its EIP-712 consent; agent0-sdk reads the same wallet', async () => {
    await trustFor(agentOwner).setAgentWallet(agentId, agentWallet)
    expect((await trustFor().agent(agentId)).wallet).toBe(agentWallet.address)
    const theirs = await agent0().loadAgent(`${stack.manifest.chainId}:${agentId}`)
    expect((await theirs.getWallet())?.toLowerCase()).toBe(agentWallet.address.toLowerCase())
  })

  it('refuses a wallet change sent by someone who does not own the agent, with the contract reason', async () => {
    await expect(trustFor(sybil).setAgentWallet(agentId, sybil)).rejects.toMatchObject({
      code: 'TRUST_TRANSACTION_REVERTED',
    })
    await expect(trustFor().agent(999n)).rejects.toMatchObject({ code: 'TRUST_AGENT_NOT_FOUND' })
  })
})

describe('feedback and reputation', () => {
  let given: Awaited<ReturnType<TrustClient['giveFeedback']>>
  let paid: Awaited<ReturnType<typeof settledPayment>>

  it('gives feedback resting on a settled payment; agent0-sdk reads the same value, tags and file', async () => {
    paid = await settledPayment()
    given = await trustFor(merchantReviewer).giveFeedback({
      agentId,
      value: '98.5',
      tag1: 'x402',
      tag2: 'weather',
      endpoint: `${stack.manifest.exampleApiUrl}/weather`,
      file: { proofOfPayment: paid },
      publish,
    })
    const ours = await trustFor().feedback(agentId, merchantReviewer.address, given.feedbackIndex)
    expect(ours).toMatchObject({ value: '98.5', tag1: 'x402', tag2: 'weather', isRevoked: false })
    expect(ours.feedbackHash).toBe(given.feedbackHash)

    const theirs = await agent0().getFeedback(
      `${stack.manifest.chainId}:${agentId}`,
      merchantReviewer.address,
      Number(given.feedbackIndex),
    )
    expect(Number(theirs.value)).toBe(98.5)
    expect(theirs.tags).toEqual(['x402', 'weather'])
    expect(theirs.fileURI).toBe(given.feedbackURI)
  })

  it('verifies the feedback: the file hashes to feedbackHash and its payment is a transfer on chain', async () => {
    const verdict = await verifyFeedback(
      trustFor(),
      agentId,
      merchantReviewer.address,
      given.feedbackIndex,
      {
        tokens: [stack.manifest.asset.address as Address],
      },
    )
    expect(verdict.problems).toEqual([])
    expect(verdict.verified).toBe(true)
    expect(verdict.file?.proofOfPayment).toEqual(paid)
  })

  it('summarises over the named reviewers only; agent0-sdk over all clients agrees when they are the same', async () => {
    const trust = trustFor()
    const theirs = () => agent0().getReputationSummary(`${stack.manifest.chainId}:${agentId}`)
    expect(
      await trust.reputation(agentId, { reviewers: [merchantReviewer.address] }),
    ).toMatchObject({
      count: 1,
      value: '98.5',
    })
    expect(await theirs()).toEqual({ count: 1, averageValue: 98.5 })

    // A Sybil rates the agent down; the trusted list ignores it, a summary over everyone does not.
    await trustFor(sybil).giveFeedback({ agentId, value: 0, publish })
    expect((await trust.reputation(agentId, { reviewers: [merchantReviewer.address] })).value).toBe(
      '98.5',
    )
    const everyone = await trust.reputation(agentId, {
      reviewers: [merchantReviewer.address, sybil.address],
    })
    expect(everyone).toMatchObject({ count: 2 })
    expect(await theirs()).toEqual({ count: 2, averageValue: Number(everyone.value) })
    await expect(trust.reputation(agentId, { reviewers: [] })).rejects.toMatchObject({
      code: 'TRUST_REVIEWERS_REQUIRED',
    })
  })

  it('refuses self-feedback by the agent owner with the contract reason', async () => {
    await expect(
      trustFor(agentOwner).giveFeedback({ agentId, value: 100, publish }),
    ).rejects.toMatchObject({
      code: 'TRUST_TRANSACTION_REVERTED',
    })
  })
})

describe('unverified feedback', () => {
  it('reports a file that does not hash to feedbackHash', async () => {
    const reviewer = trustFor(merchantReviewer)
    const proof = await settledPayment()
    // The file published is not the file committed to: the reviewer hashes one and serves another.
    const served = await reviewer.giveFeedback({
      agentId,
      value: 90,
      file: { proofOfPayment: proof },
      publish: async (bytes) => {
        const file = JSON.parse(new TextDecoder().decode(bytes))
        return publish(feedbackFileBytes({ ...file, value: 100 }))
      },
    })
    const verdict = await verifyFeedback(
      trustFor(),
      agentId,
      merchantReviewer.address,
      served.feedbackIndex,
    )
    expect(verdict.verified).toBe(false)
    expect(verdict.problems.map((problem) => problem.reason)).toEqual([
      'trust_feedback_hash_mismatch',
    ])
  })

  it('reports a proofOfPayment whose transaction is not a matching transfer', async () => {
    const reviewer = trustFor(merchantReviewer)
    const proof = await settledPayment()
    // A real transaction, but not a payment: the agent's own registration.
    const notAPayment = (await trustFor(agentOwner).register('')).transaction
    const cases = [
      { proof: { ...proof, txHash: notAPayment }, reason: 'trust_proof_of_payment_no_transfer' },
      {
        proof: { ...proof, fromAddress: sybil.address },
        reason: 'trust_proof_of_payment_no_transfer',
      },
      {
        proof: { ...proof, txHash: `0x${'12'.repeat(32)}` },
        reason: 'trust_proof_of_payment_not_found',
      },
      { proof: { ...proof, chainId: '1' }, reason: 'trust_proof_of_payment_wrong_chain' },
      { proof: undefined, reason: 'trust_proof_of_payment_missing' },
    ]
    for (const { proof: claimed, reason } of cases) {
      const feedback = await reviewer.giveFeedback({
        agentId,
        value: 50,
        ...(claimed ? { file: { proofOfPayment: claimed } } : {}),
        publish,
      })
      const verdict = await verifyFeedback(
        trustFor(),
        agentId,
        merchantReviewer.address,
        feedback.feedbackIndex,
      )
      expect({
        verified: verdict.verified,
        reasons: verdict.problems.map((p) => p.reason),
      }).toEqual({
        verified: false,
        reasons: [reason],
      })
    }
  })
})

describe('validation', () => {
  it('records a request by the owner and the validator answer', async () => {
    const requestHash = `0x${'34'.repeat(32)}` as Hex
    await trustFor(agentOwner).requestValidation({
      validator: sybil.address,
      agentId,
      requestURI: `${contentServer.url}/content/x.json`,
      requestHash,
    })
    await trustFor(sybil).respondValidation({ requestHash, response: 87, tag: 'weather' })
    expect(await trustFor().validationStatus(requestHash)).toMatchObject({
      validator: sybil.address,
      agentId,
      response: 87,
      tag: 'weather',
    })
  })
})

describe('who is calling', () => {
  const request = {
    url: 'http://127.0.0.1:4021/weather',
    operation: { method: 'GET', path: '/weather', price: '$0.001' },
  }

  /** A sign-in by `signer` for the weather route, verified; the address it proves. */
  async function signIn(gate: SiwxGate, signer: PrivateKeyAccount) {
    const extension = gate.challenge(request)
    const challenge = { ...extension.info, chainId: 'eip155:31337', type: 'eip191' as const }
    const header = encodeSiwxHeader(await signSiwxChallenge(challenge, signer))
    const verdict = await gate.verify(header, request)
    if (!verdict.ok) throw new Error(verdict.message)
    return verdict.address
  }

  it('takes a sign-in by the agent wallet as the agent, and refuses one by any other key', async () => {
    const gate = new SiwxGate({ chains: [{ chainId: 'eip155:31337', type: 'eip191' }] })
    const wallets = new AgentWallets(trustFor())
    const declared = declaredAgent(
      agentIdentityDeclaration({ agentRegistry: trustFor().agentRegistry, agentId }),
    )
    if (!declared || 'ok' in declared) throw new Error('the declaration did not read back')
    expect(await wallets.check(declared, await signIn(gate, agentWallet))).toMatchObject({
      ok: true,
      wallet: agentWallet.address,
    })
    // The owner signs validly, but only the agent wallet speaks for the agent.
    for (const other of [agentOwner, sybil])
      expect(await wallets.check(declared, await signIn(gate, other))).toMatchObject({
        ok: false,
        reason: 'invalid_siwx_not_agent_wallet',
      })
    expect(await wallets.check({ ...declared, agentId: 999n }, agentWallet.address)).toMatchObject({
      ok: false,
      reason: 'trust_agent_not_found',
    })
    expect(
      await wallets.check(
        { ...declared, agentRegistry: `eip155:1:${registries.identityRegistry}` },
        agentWallet.address,
      ),
    ).toMatchObject({ ok: false, reason: 'invalid_siwx_agent' })
  })
})

import { ERC8004_ADDRESSES } from '@tollgate/contracts'
import {
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodePaymentHeader,
  type PaymentRequirements,
} from '@tollgate/core'
import { ANVIL_ACCOUNTS, DEVNET_ROLES, devnetChain } from '@tollgate/devnet'
import { exactEvmClient } from '@tollgate/evm'
import { agentIdentity, registerAgent, type SiwxExtension, TrustClient } from '@tollgate/trust'
import { type Address, createPublicClient, createWalletClient, http } from 'viem'
import { type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { round, summarize } from '../lib/load.ts'
import { startService } from '../lib/service.ts'
import { type Bench, log, ratio } from '../lib/setup.ts'

/** The devnet places the registries at the testnet's canonical addresses. */
const registries = ERC8004_ADDRESSES.testnet

function trustAs(bench: Bench, signer?: PrivateKeyAccount): TrustClient {
  const chain = devnetChain(bench.anvil.chainId, bench.env.rpcUrl, bench.env.multicall3 as Address)
  return new TrustClient({
    publicClient: createPublicClient({ chain, transport: http(), pollingInterval: 50 }),
    walletClient: signer
      ? createWalletClient({ account: signer, chain, transport: http() })
      : undefined,
    registries,
  })
}

const dataUri = async (bytes: Uint8Array) =>
  `data:application/json;base64,${Buffer.from(bytes).toString('base64')}`

/**
 * A paid request's latency for a trusted agent on credit (served before settlement) against the
 * exact path through the same API, the reference's exact path, and an unpaid request: one
 * request at a time, interleaved, each paid request signed beforehand.
 */
export async function benchCredit(bench: Bench, options: { scale: number }) {
  const payer = privateKeyToAccount(ANVIL_ACCOUNTS[DEVNET_ROLES.payer].privateKey)
  const owner = privateKeyToAccount(ANVIL_ACCOUNTS[5].privateKey)
  const reviewer = privateKeyToAccount(ANVIL_ACCOUNTS[7].privateKey)
  log('credit: registering the agent and its rating')
  const { agentId } = await registerAgent(trustAs(bench, owner), { name: 'bench-agent' }, dataUri)
  await trustAs(bench, owner).setAgentWallet(agentId, payer)
  await trustAs(bench, reviewer).giveFeedback({ agentId, value: 95, publish: dataUri })
  const api = await startService('tollgateCreditApi.ts', {
    ...bench.env,
    facilitatorUrl: bench.facilitators.tollgate.url,
    trust: {
      identityRegistry: registries.identityRegistry,
      reputationRegistry: registries.reputationRegistry,
      reviewer: reviewer.address,
    },
  })
  const reference = await startService('referenceApi.ts', {
    ...bench.env,
    facilitatorUrl: bench.facilitators.reference.url,
  })
  try {
    const client = exactEvmClient({ signer: payer })
    const identify = agentIdentity({
      signer: payer,
      agentRegistry: trustAs(bench).agentRegistry,
      agentId,
    })
    const exactHeader = async (requirements: PaymentRequirements) =>
      encodePaymentHeader({
        x402Version: 2,
        accepted: requirements,
        payload: await client.createPayload(requirements, { x402Version: 2 }),
      }).value
    // A credited request: its own challenge (one 402), a sign-in and a payment, made untimed.
    const creditHeaders = async () => {
      const asked = await fetch(`${api.url}/credit`)
      const required = decodePaymentRequiredHeader(asked.headers.get('payment-required') ?? '')
      const requirements = required.accepts[0]!
      const identified = await identify(required, `${api.url}/credit`)
      const payload = await client.createPayload(requirements, { x402Version: 2 })
      const payment = encodePaymentHeader({
        x402Version: 2,
        accepted: requirements,
        payload,
        extensions: identified.extensions,
      })
      if (!(required.extensions?.['sign-in-with-x'] as SiwxExtension | undefined))
        throw new Error('no sign-in offered')
      return { 'payment-signature': payment.value, ...identified.headers }
    }
    const exactOffer = { ...bench.requirements, maxTimeoutSeconds: 300 }
    const timed = async (
      url: string,
      headers: Record<string, string>,
      check: (response: Response) => void,
    ) => {
      const begin = performance.now()
      const response = await fetch(url, { headers })
      await response.arrayBuffer()
      const took = performance.now() - begin
      check(response)
      return took
    }
    const receiptOf = (response: Response) =>
      decodePaymentResponseHeader(response.headers.get('payment-response') ?? '')
    const requests = Math.max(50, Math.round(200 * options.scale))
    log(`credit: ${requests} requests of each kind, one at a time`)
    const latencies = {
      credit: [] as number[],
      exact: [] as number[],
      referenceExact: [] as number[],
      unpaid: [] as number[],
    }
    for (let i = 0; i < requests; i++) {
      const credit = await creditHeaders()
      const ours = await exactHeader(exactOffer)
      const theirs = await exactHeader(exactOffer)
      latencies.credit.push(
        await timed(`${api.url}/credit`, credit, (response) => {
          if (response.status !== 200 || receiptOf(response).transaction !== '')
            throw new Error(`a credited request answered ${response.status}, not served on credit`)
        }),
      )
      latencies.exact.push(
        await timed(`${api.url}/paid`, { 'payment-signature': ours }, (response) => {
          if (response.status !== 200)
            throw new Error(`an exact request answered ${response.status}`)
        }),
      )
      latencies.referenceExact.push(
        await timed(`${reference.url}/paid`, { 'payment-signature': theirs }, (response) => {
          if (response.status !== 200)
            throw new Error(`a reference request answered ${response.status}`)
        }),
      )
      latencies.unpaid.push(await timed(`${api.url}/free`, {}, () => undefined))
    }
    const figures = {
      credit: summarize(latencies.credit, 1),
      exact: summarize(latencies.exact, 1),
      referenceExact: summarize(latencies.referenceExact, 1),
      unpaid: summarize(latencies.unpaid, 1),
    }
    return {
      requests,
      latency: figures,
      creditOverUnpaidP50Ms: round(figures.credit.p50Ms - figures.unpaid.p50Ms),
      targetWithin2MsOfUnpaidAtP50: figures.credit.p50Ms - figures.unpaid.p50Ms <= 2,
      creditToExactP50: ratio(figures.credit.p50Ms, figures.exact.p50Ms),
      creditToReferenceExactP50: ratio(figures.credit.p50Ms, figures.referenceExact.p50Ms),
    }
  } finally {
    await api.stop()
    await reference.stop()
  }
}

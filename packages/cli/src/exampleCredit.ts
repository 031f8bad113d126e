import { devnetChain } from '@tollgate/devnet'
import { recoverMessageSigner } from '@tollgate/evm'
import type { CreditAgentRow } from '@tollgate/facilitator'
import { SqlCreditBook } from '@tollgate/ledger'
import type { Sql } from '@tollgate/sql'
import { type Registries, reputationCredit, SiwxGate, TrustClient } from '@tollgate/trust'
import { type Address, createPublicClient, http } from 'viem'

export interface ExampleCreditOptions {
  sql: Sql
  rpcUrl: string
  chainId: number
  multicall3: Address
  network: string
  registries: Registries
  /** Whose ratings count: the example merchant's. */
  reviewer: Address
}

/**
 * The dev stack's credit line for the example API's `GET /report`: agents the merchant rated 80
 * or more are served first, up to $0.05 each and $5 in all outstanding, settled within a minute.
 * The book lives in the dev ledger's database, so the dashboard reads what the seller extended.
 */
export function exampleCredit(options: ExampleCreditOptions) {
  const chain = devnetChain(options.chainId, options.rpcUrl, options.multicall3)
  const trust = new TrustClient({
    publicClient: createPublicClient({ chain, transport: http(), pollingInterval: 200 }),
    registries: options.registries,
  })
  const book = new SqlCreditBook(options.sql)
  const reviewers = [options.reviewer]
  const credit = reputationCredit({
    trust,
    book,
    reviewers,
    minScore: 80,
    perAgentMax: 50_000n,
    totalMax: 5_000_000n,
    settleWithinSeconds: 60,
    siwx: new SiwxGate({
      chains: [{ chainId: options.network, type: 'eip191' }],
      recover: recoverMessageSigner,
    }),
  })
  /** The book per agent and asset, with each agent's reputation over the same reviewers. */
  const dashboardRows = async (): Promise<CreditAgentRow[]> =>
    Promise.all(
      (await book.agents()).map(async (summary) => {
        const slash = summary.unit.indexOf('/')
        const agentId = summary.agent.split(':').at(-1) ?? ''
        const reputation = /^\d+$/.test(agentId)
          ? await trust.reputation(BigInt(agentId), { reviewers }).catch(() => undefined)
          : undefined
        return {
          agent: summary.agent,
          network: summary.unit.slice(0, slash),
          asset: summary.unit.slice(slash + 1),
          outstanding: summary.outstanding.toString(),
          settled: summary.settled.toString(),
          defaulted: summary.defaulted.toString(),
          creditedCount:
            summary.outstandingCount +
            summary.settledCount +
            summary.defaultedCount +
            summary.forgivenCount,
          defaultedCount: summary.defaultedCount,
          ...(reputation
            ? { reputation: { value: reputation.value, count: reputation.count } }
            : {}),
        }
      }),
    )
  return { credit, book, dashboardRows }
}

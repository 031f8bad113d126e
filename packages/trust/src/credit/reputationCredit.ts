import type {
  CreditApplication,
  CreditBook,
  CreditDecision,
  CreditLine,
  CreditOperation,
  ErrorCode,
} from '@tollgate/core'
import type { Address } from 'viem'
import { toFixedPoint } from '../fixedPoint.ts'
import { AgentWallets, declaredAgent } from '../siwx/agentCaller.ts'
import { SiwxGate } from '../siwx/siwxGate.ts'
import { SIGN_IN_WITH_X } from '../siwx/wire.ts'
import type { TrustClient } from '../trustClient.ts'
import type { Reputation } from '../types.ts'

export interface ReputationCreditOptions {
  /** Reads identities and reputation on the chain whose registry the agents declare. */
  trust: TrustClient
  /** Where the money at risk is recorded and bounded: share one across instances. */
  book: CreditBook
  /**
   * Whose feedback counts, e.g. this merchant's reviewer key and facilitators it trusts. Never
   * everyone: anyone can rate an agent, many times, from many addresses.
   */
  reviewers: readonly Address[]
  /** The lowest average score (over `reviewers`) served first, e.g. `80`. */
  minScore: string | number
  /** The fewest ratings by `reviewers` an agent needs. @default 1 */
  minReviews?: number | undefined
  /** Most one agent may owe at once, in the asset's atomic units. */
  perAgentMax: bigint
  /** Most all agents together may owe at once, in atomic units. */
  totalMax: bigint
  /** How long a credited payment may take to settle before it is a debt. @default 60 */
  settleWithinSeconds?: number | undefined
  /** The sign-in the agent proves its wallet with. @default one for the trust client's chain */
  siwx?: SiwxGate | undefined
  /** How long a reputation read is reused. @default 30000 */
  reputationTtlMs?: number | undefined
  onSettled?: CreditLine['onSettled']
  onDefaulted?: CreditLine['onDefaulted']
}

/**
 * A credit line for agents with an ERC-8004 identity and a good enough name: the agent signs in
 * with its agent wallet (sign-in-with-x, scoped to the operation), pays with that same wallet,
 * and is served before settlement when the named reviewers rate it at `minScore` or more and
 * the book has room under both caps. An agent with a recorded debt pays first.
 */
export function reputationCredit(options: ReputationCreditOptions): CreditLine {
  if (options.reviewers.length === 0)
    throw new Error(
      'reputationCredit needs reviewers: a reputation over everyone is open to Sybils',
    )
  const siwx =
    options.siwx ??
    new SiwxGate({ chains: [{ chainId: `eip155:${options.trust.chainId}`, type: 'eip191' }] })
  const wallets = new AgentWallets(options.trust)
  const minScore = toFixedPoint(options.minScore)
  const reputations = new ReputationCache(options)
  const limits = { perAgentMax: options.perAgentMax, totalMax: options.totalMax }
  return {
    book: options.book,
    extensions: (operation: CreditOperation) => ({
      [SIGN_IN_WITH_X]: siwx.challenge({ url: operation.url, operation }),
    }),
    async judge(application: CreditApplication): Promise<CreditDecision> {
      const header = application.header(SIGN_IN_WITH_X)
      if (header === undefined) return payFirst('no sign-in')
      const agent = declaredAgent(application.payment.extensions)
      if (agent === undefined) return payFirst('no agent declared')
      if ('ok' in agent) return refused(agent)
      const { operation } = application
      const signedIn = await siwx.verify(header, { url: operation.url, operation })
      if (!signedIn.ok) return refused(signedIn)
      const caller = await wallets.check(agent, signedIn.address)
      if (!caller.ok) return refused(caller)
      if (application.payer.toLowerCase() !== caller.wallet.toLowerCase())
        return payFirst(`the payment is from ${application.payer}, not the agent wallet`)
      const reputation = await reputations.of(agent.agentId)
      if (!reputation) return payFirst('its reputation could not be read')
      if (reputation.count < (options.minReviews ?? 1)) return payFirst('too few reviews')
      if (!atLeast(reputation, minScore)) return payFirst(`score ${reputation.value} is too low`)
      return {
        kind: 'trusted',
        agent: `${agent.agentRegistry}:${agent.agentId}`,
        limits,
        settleWithinSeconds: options.settleWithinSeconds ?? 60,
      }
    },
    ...(options.onSettled ? { onSettled: options.onSettled } : {}),
    ...(options.onDefaulted ? { onDefaulted: options.onDefaulted } : {}),
  }
}

/** Reputation reads reused for a while: one per agent at a time, failures not kept. */
class ReputationCache {
  readonly #options: ReputationCreditOptions
  readonly #cache = new Map<bigint, { reading: Promise<Reputation | undefined>; until: number }>()

  constructor(options: ReputationCreditOptions) {
    this.#options = options
  }

  of(agentId: bigint): Promise<Reputation | undefined> {
    const now = Date.now()
    const cached = this.#cache.get(agentId)
    if (cached && cached.until > now) return cached.reading
    const reading = this.#options.trust
      .reputation(agentId, { reviewers: this.#options.reviewers })
      .catch(() => undefined)
    this.#cache.set(agentId, { reading, until: now + (this.#options.reputationTtlMs ?? 30_000) })
    reading.then((value) => value ?? this.#cache.delete(agentId))
    return reading
  }
}

function atLeast(reputation: Reputation, min: { value: bigint; decimals: number }): boolean {
  const decimals = Math.max(reputation.valueDecimals, min.decimals)
  const scale = (value: bigint, from: number) => value * 10n ** BigInt(decimals - from)
  return scale(reputation.summaryValue, reputation.valueDecimals) >= scale(min.value, min.decimals)
}

function payFirst(why: string): CreditDecision {
  return { kind: 'pay-first', why }
}

function refused(verdict: { code: ErrorCode; message: string }): CreditDecision {
  return { kind: 'refused', code: verdict.code, message: verdict.message }
}

import { type ErrorCode, isTollgateError, reasonOf } from '@tollgate/core'
import { z } from 'zod'
import type { TrustClient } from '../trustClient.ts'

/**
 * The payment extension in which an agent says who it is (x402 #931):
 * `extensions["8004-reputation"].info.client.agentIdentity = { agentRegistry, agentId }`.
 * There is no reverse lookup from an address to an agent, so the agent must say.
 */
export const agentIdentityExtension = '8004-reputation'

const declarationSchema = z.object({
  info: z.object({
    client: z.object({
      agentIdentity: z.object({
        agentRegistry: z.string().regex(/^eip155:\d+:0x[0-9a-fA-F]{40}$/),
        agentId: z.union([z.string().regex(/^\d{1,78}$/), z.number().int().nonnegative()]),
      }),
    }),
  }),
})

export interface AgentDeclaration {
  /** `eip155:<chainId>:<identityRegistry>`. */
  agentRegistry: string
  agentId: bigint
}

export type AgentCallerVerdict =
  | { ok: true; agent: AgentDeclaration; wallet: string }
  | { ok: false; code: ErrorCode; reason: string; message: string }

/** The extension value a client puts in its payment payload to declare its agent. */
export function agentIdentityDeclaration(agent: AgentDeclaration) {
  return {
    [agentIdentityExtension]: {
      info: {
        client: {
          agentIdentity: { agentRegistry: agent.agentRegistry, agentId: String(agent.agentId) },
        },
      },
    },
  }
}

/**
 * The agent a payment payload declares: undefined when it declares none, a refusal when the
 * declaration is malformed.
 */
export function declaredAgent(
  extensions: Record<string, unknown> | undefined,
): AgentDeclaration | (AgentCallerVerdict & { ok: false }) | undefined {
  const value = extensions?.[agentIdentityExtension]
  if (value === undefined) return undefined
  const parsed = declarationSchema.safeParse(value)
  if (!parsed.success)
    return refused(
      'SIWX_AGENT_MALFORMED',
      `${agentIdentityExtension}: ${parsed.error.issues[0]?.message}`,
    )
  const { agentRegistry, agentId } = parsed.data.info.client.agentIdentity
  return { agentRegistry, agentId: BigInt(agentId) }
}

/**
 * Agent wallets read from the identity registry, cached for `ttlMs`: the caller proves an
 * address by signing in, and the registry says whether that address is the agent's wallet.
 */
export class AgentWallets {
  readonly #trust: TrustClient
  readonly #ttlMs: number
  readonly #cache = new Map<bigint, { wallet: Promise<string | undefined>; until: number }>()

  constructor(trust: TrustClient, options: { ttlMs?: number } = {}) {
    this.#trust = trust
    this.#ttlMs = options.ttlMs ?? 60_000
  }

  /** Checks that `address` (proven by a sign-in) is the declared agent's wallet. */
  async check(agent: AgentDeclaration, address: string): Promise<AgentCallerVerdict> {
    if (agent.agentRegistry.toLowerCase() !== this.#trust.agentRegistry.toLowerCase())
      return refused(
        'SIWX_AGENT_MALFORMED',
        `agents of ${agent.agentRegistry} are not known here; this server reads ${this.#trust.agentRegistry}`,
      )
    let wallet: string | undefined
    try {
      wallet = await this.#wallet(agent.agentId)
    } catch (error) {
      if (isTollgateError(error)) return refused(error.code, error.message)
      throw error
    }
    // Addresses compare case-blind: the checksum is a spelling, not another account.
    if (!wallet || wallet.toLowerCase() !== address.toLowerCase())
      return refused(
        'SIWX_NOT_AGENT_WALLET',
        wallet
          ? `${address} signed in, but agent ${agent.agentId}'s wallet is ${wallet}`
          : `agent ${agent.agentId} has no wallet set, so no sign-in can speak for it`,
      )
    return { ok: true, agent, wallet }
  }

  #wallet(agentId: bigint): Promise<string | undefined> {
    const now = Date.now()
    const cached = this.#cache.get(agentId)
    if (cached && cached.until > now) return cached.wallet
    const wallet = this.#trust.agent(agentId).then((identity) => identity.wallet)
    this.#cache.set(agentId, { wallet, until: now + this.#ttlMs })
    // A failed read is not remembered: the next request asks again.
    wallet.catch(() => this.#cache.delete(agentId))
    return wallet
  }
}

function refused(code: ErrorCode, message: string): AgentCallerVerdict & { ok: false } {
  return { ok: false, code, reason: reasonOf(code), message }
}

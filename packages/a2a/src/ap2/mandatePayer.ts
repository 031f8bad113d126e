import type { PayerOptions, SpendAuthorization, SpendingGuard } from '@tollgate/client'
import { codeOfReason, type PaymentRequirements, TollgateError } from '@tollgate/core'
import type { JWK } from 'jose'
import { mandateExtensionKey, mandateNonce } from './binding.ts'
import { evaluateMandate, type MandateHistory, scaledAmount } from './constraints.ts'
import {
  type ClosedPaymentMandate,
  closedMandateFor,
  mandateId,
  readOpenMandate,
} from './mandates.ts'
import { delegate, publicJwkOf, verifyRoot } from './sdJwt.ts'

/** A reservation under a mandate, told how its payment ended. */
export interface MandateReservation {
  settled(): Promise<void>
  /** The payment failed; it counts until `until` (its authorization's expiry, in seconds). */
  failed(until: number): Promise<void>
  /** Nothing was signed: it no longer counts. */
  released(): Promise<void>
}

/**
 * What has been spent under each open mandate, so its budget and payment count hold across
 * payments. `reserve` checks and reserves at once, so concurrent payments cannot together pass
 * (the `check` returns a refusal to throw, or nothing).
 */
export interface MandateLedger {
  reserve(
    mandate: string,
    amount: bigint,
    check: (history: MandateHistory) => string | undefined,
  ): Promise<MandateReservation>
}

/** The ledger in this process's memory: budgets hold within one process. */
export class MemoryMandateLedger implements MandateLedger {
  readonly #entries = new Map<string, Map<string, { amount: bigint; until?: number }>>()

  async reserve(
    mandate: string,
    amount: bigint,
    check: (history: MandateHistory) => string | undefined,
  ): Promise<MandateReservation> {
    const entries = this.#entries.get(mandate) ?? new Map()
    this.#entries.set(mandate, entries)
    const now = Date.now() / 1000
    const live = [...entries.values()].filter(
      (entry) => entry.until === undefined || entry.until > now,
    )
    const refusal = check({
      spent: live.reduce((sum, entry) => sum + entry.amount, 0n),
      payments: live.length,
    })
    if (refusal) throw new Error(refusal)
    const token = crypto.randomUUID()
    entries.set(token, { amount })
    return {
      settled: async () => undefined,
      failed: async (until) => {
        entries.set(token, { amount, until })
      },
      released: async () => {
        entries.delete(token)
      },
    }
  }
}

export interface MandatePayerOptions {
  /** The open payment mandate (the SD-JWT `tollgate mandate create` writes). */
  mandate: string
  /** The agent's private key: the one the mandate names in `cnf`. */
  agentKey: JWK
  /** The guard consulted after the mandate: the wallet's budgets across transports. */
  spending?: SpendingGuard | undefined
  /** @default a `MemoryMandateLedger` */
  ledger?: MandateLedger | undefined
}

/**
 * A payer bound to an AP2 v0.2 open payment mandate: the spending guard refuses, before anything
 * is signed, any payment the mandate does not allow (payee, amount range, budget, count, expiry);
 * `bind` closes the mandate for the payment (signed with the agent's key) and makes keccak256 of
 * the chain the authorization's nonce. Spread both into the `PayerOptions`.
 */
export async function mandatePayer(
  options: MandatePayerOptions,
): Promise<Pick<PayerOptions, 'spending' | 'bind'>> {
  const root = await verifyRoot(options.mandate)
  const open = readOpenMandate(root.payload)
  const agent = publicJwkOf(options.agentKey)
  if (open.cnf?.jwk?.x !== agent.x || open.cnf?.jwk?.y !== agent.y)
    throw new TollgateError(
      'MANDATE_AGENT_KEY_MISMATCH',
      'the mandate was given to another agent key (cnf)',
    )
  const id = mandateId(options.mandate)
  const ledger = options.ledger ?? new MemoryMandateLedger()
  const closing = new Map<string, ClosedPaymentMandate>()
  const keyOf = (requirements: PaymentRequirements, url: string) =>
    `${url}\n${JSON.stringify(requirements)}`

  const spending: SpendingGuard = {
    async authorize(intent): Promise<SpendAuthorization> {
      const closed = closedMandateFor(intent.requirements, intent.asset, intent.url)
      const amount = scaledAmount(closed.payment_amount).value
      let reservation: MandateReservation
      try {
        reservation = await ledger.reserve(id, amount, (history) => {
          const refusal = evaluateMandate(open, closed, { history })
          return refusal ? `${refusal.reason}\n${refusal.message}` : undefined
        })
      } catch (error) {
        const [reason, message] = (error as Error).message.split('\n')
        const code = codeOfReason(reason ?? '') ?? 'MANDATE_MALFORMED'
        throw new TollgateError(code, `refused to pay for ${intent.url}: ${message ?? reason}`)
      }
      let inner: SpendAuthorization | undefined
      try {
        inner = await options.spending?.authorize(intent)
      } catch (error) {
        await reservation.released()
        throw error
      }
      closing.set(keyOf(intent.requirements, intent.url), closed)
      return {
        signed: async (payment) => inner?.signed(payment),
        finished: async (outcome) => {
          if (outcome.state === 'failed') await reservation.failed(expiryOf(outcome.payment))
          else await reservation.settled()
          await inner?.finished(outcome)
        },
        abandoned: async (reason) => {
          await reservation.released()
          await inner?.abandoned(reason)
        },
      }
    },
  }

  return {
    spending,
    bind: async (requirements, url) => {
      const key = keyOf(requirements, url)
      const closed = closing.get(key)
      if (!closed)
        throw new TollgateError(
          'MANDATE_REQUIRED',
          `no mandate was closed for ${url}: the guard did not see this payment`,
        )
      closing.delete(key)
      const chain = await delegate(options.mandate, closed, options.agentKey, {
        aud: url,
        nonce: crypto.randomUUID(),
      })
      return {
        nonce: mandateNonce(chain),
        extensions: { [mandateExtensionKey]: { payment_mandate_chain: chain } },
      }
    },
  }
}

/**
 * When a signed payment stops being settleable: its authorization's `validBefore`. Until then a
 * failed one still counts, since whoever holds it could settle it.
 */
function expiryOf(payment: { payload: Record<string, unknown> }): number {
  const before = Number(
    (payment.payload.authorization as { validBefore?: unknown } | undefined)?.validBefore,
  )
  return Number.isFinite(before) && before > 0 ? before : Math.floor(Date.now() / 1000) + 600
}

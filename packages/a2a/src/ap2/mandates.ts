import { type AssetDescription, type PaymentRequirements, TollgateError } from '@tollgate/core'
import type { JWK } from 'jose'
import { z } from 'zod'
import { issueDelegateSdJwt, type Json, type MandateKeys, publicJwkOf, sdDigest } from './sdJwt.ts'

/** AP2 v0.2 payment mandates: the `vct` values, exactly as the AP2 docs give them. */
export const openPaymentMandateVct = 'mandate.payment.open.1'
export const closedPaymentMandateVct = 'mandate.payment.1'

/** An AP2 amount: an integer in the currency's minor units (USD cents; USDC's 6 decimals). */
export interface MandateAmount {
  amount: number
  currency: string
}

export interface Payee {
  id?: string
  name?: string
  website?: string
}

export interface PaymentInstrument {
  id: string
  type: string
  description?: string
}

/** The closed mandate for one payment, signed by the agent over the open one. */
export interface ClosedPaymentMandate {
  vct: string
  transaction_id: string
  payee: Payee
  payment_amount: MandateAmount
  payment_instrument: PaymentInstrument
  execution_date?: string
  iat: number
  exp: number
}

export interface OpenPaymentMandate {
  vct: string
  constraints: Json[]
  cnf: { jwk: JWK }
  iat: number
  exp: number
}

export interface OpenMandateTerms {
  /** The owner's key, which signs the mandate. */
  owner: MandateKeys
  /** The agent's public key: only it can close the mandate. */
  agentKey: JWK
  /** Total the agent may spend under the mandate, e.g. `{ max: 500, currency: 'USD' }` ($5). */
  budget?: MandateAmount
  /** The range each payment must fall in. */
  amountRange?: { min?: number; max: number; currency: string }
  /** Who may be paid: payees by id (an address), name or website. */
  payees?: Payee[]
  /** At most this many payments. */
  maxPayments?: number
  /** When the mandate ends. */
  expiresAt: Date
}

/** The owner signs an open payment mandate for the agent's key: an SD-JWT ending in `~`. */
export function createOpenMandate(terms: OpenMandateTerms): Promise<string> {
  const constraints: Json[] = []
  if (terms.amountRange) constraints.push({ type: 'payment.amount_range', ...terms.amountRange })
  if (terms.budget)
    constraints.push({
      type: 'payment.budget',
      max: terms.budget.amount,
      currency: terms.budget.currency,
    })
  if (terms.payees) constraints.push({ type: 'payment.allowed_payees', allowed: terms.payees })
  if (terms.maxPayments !== undefined)
    constraints.push({ type: 'payment.agent_recurrence', max_occurrences: terms.maxPayments })
  const now = Math.floor(Date.now() / 1000)
  const mandate: OpenPaymentMandate = {
    vct: openPaymentMandateVct,
    constraints,
    cnf: { jwk: publicJwkOf(terms.agentKey) },
    iat: now,
    exp: Math.floor(terms.expiresAt.getTime() / 1000),
  }
  return issueDelegateSdJwt(mandate, terms.owner)
}

/** A stable id for an open mandate: the digest of its presentation. */
export function mandateId(openMandate: string): string {
  return sdDigest(openMandate)
}

/**
 * The closed mandate for paying `requirements`: the payee is the address paid (and the resource's
 * site), the amount is the requirement's in the asset's minor units, the instrument the asset on
 * its network, and the transaction id the digest of the requirement itself.
 */
export function closedMandateFor(
  requirements: PaymentRequirements,
  asset: AssetDescription | undefined,
  resourceUrl: string,
  lifetimeSeconds = 300,
): ClosedPaymentMandate {
  const now = Math.floor(Date.now() / 1000)
  let website: string | undefined
  try {
    website = new URL(resourceUrl).origin
  } catch {
    website = undefined
  }
  const currency = asset?.symbol ?? `${requirements.network}/${requirements.asset}`
  return {
    vct: closedPaymentMandateVct,
    transaction_id: sdDigest(JSON.stringify(requirements)),
    payee: { id: requirements.payTo, ...(website ? { website } : {}) },
    payment_amount: { amount: Number(requirements.amount), currency },
    payment_instrument: {
      id: `${requirements.network}:${requirements.asset}`,
      type: 'x402',
      description: `${currency} on ${requirements.network}`,
    },
    execution_date: new Date(now * 1000).toISOString(),
    iat: now,
    exp: now + lifetimeSeconds,
  }
}

const amountSchema = z.object({ amount: z.number(), currency: z.string() })
const payeeSchema = z.looseObject({
  id: z.string().optional(),
  name: z.string().optional(),
  website: z.string().optional(),
})

/** Read leniently: unknown claims pass, the ones evaluated must have their types. */
const openMandateSchema = z.looseObject({
  vct: z.string(),
  constraints: z.array(z.looseObject({ type: z.string() })).default([]),
  cnf: z.object({ jwk: z.looseObject({ kty: z.string() }) }),
  iat: z.number().optional(),
  exp: z.number().optional(),
})

const closedMandateSchema = z.looseObject({
  vct: z.string(),
  transaction_id: z.string(),
  payee: payeeSchema,
  payment_amount: amountSchema,
  payment_instrument: z.looseObject({
    id: z.string(),
    type: z.string(),
    description: z.string().optional(),
  }),
  execution_date: z.string().optional(),
  iat: z.number().optional(),
  exp: z.number().optional(),
})

function readMandate<T>(schema: z.ZodType, payload: Json, what: string): T {
  const parsed = schema.safeParse(payload)
  if (!parsed.success)
    throw new TollgateError(
      'MANDATE_MALFORMED',
      `the ${what} mandate is malformed: ${parsed.error.issues[0]?.message ?? ''}`,
    )
  return parsed.data as T
}

export function readOpenMandate(payload: Json): OpenPaymentMandate {
  return readMandate(openMandateSchema, payload, 'open')
}

export function readClosedMandate(payload: Json): ClosedPaymentMandate {
  return readMandate(closedMandateSchema, payload, 'closed')
}

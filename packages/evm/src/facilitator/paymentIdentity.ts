import type { PaymentRequirements } from '@tollgate/core'
import { bytesToHex } from 'viem'
import { keccakBytes } from '../batch-settlement/keccak.ts'
import type { Authorization } from '../exact/eip3009/payload.ts'

/**
 * The ledger key of an authorization: one row per payer and nonce on a token, whatever payloads
 * or requirements present it. Permit2 nonces belong to the owner across every token, so a
 * permit's key names Permit2 instead of the asset.
 */
export function paymentKey(
  network: string,
  asset: string,
  authorization: Authorization,
  permit2 = false,
): string {
  const space = permit2 ? 'permit2' : asset
  return [network, space, authorization.from, authorization.nonce].join('|').toLowerCase()
}

const utf8 = new TextEncoder()

/** The hash of one signed payload, to tell a retry of it from another payload for the same key. */
export function payloadHashOf(signature: string, authorization: Authorization): string {
  // WebAssembly Keccak once loaded (viem's took 76 µs a payment here), the same bytes either way.
  return bytesToHex(
    keccakBytes(utf8.encode(JSON.stringify([signature, authorization]).toLowerCase())),
  )
}

/** The requirement fields that decide what a settlement moves, and where. */
export type MoneyFields = Pick<
  PaymentRequirements,
  'scheme' | 'network' | 'asset' | 'amount' | 'payTo'
>

/**
 * What a settlement was for, in canonical form: a stored or running outcome is answered only to a
 * request for which this is the same. Addresses compare without regard to case and amounts as
 * numbers; scheme and network compare exactly, so a homoglyph is another scheme.
 * `maxTimeoutSeconds` and `extra` are left out: they change neither what moves nor to whom (the
 * EIP-712 domain in `extra` only has to make the signature valid, which the settlement proved).
 * Ledger records carry the same fields, so the same function reads both.
 */
export function settledFor(fields: MoneyFields): string {
  return JSON.stringify([
    fields.scheme,
    fields.network,
    fields.asset.toLowerCase(),
    canonicalAmount(fields.amount),
    fields.payTo.toLowerCase(),
  ])
}

function canonicalAmount(amount: string): string {
  // Requirements carry canonical decimals already; a record read back from SQL may not.
  return /^[0-9]+$/.test(amount) ? BigInt(amount).toString() : amount
}

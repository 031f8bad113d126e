import { z } from 'zod'
import { address, signatureBytes as signature, uint256 } from '../../wire.ts'

/** The `payload` of an x402 Permit2 payment (exact or upto), parsed strictly. */

const authorizationFields = {
  from: address,
  permitted: z.object({ token: address, amount: uint256 }),
  spender: address,
  nonce: uint256,
  deadline: uint256,
}

export const exactPermit2PayloadSchema = z.object({
  signature,
  permit2Authorization: z.object({
    ...authorizationFields,
    witness: z.object({ to: address, validAfter: uint256 }),
  }),
})

export const uptoPermit2PayloadSchema = z.object({
  signature,
  permit2Authorization: z.object({
    ...authorizationFields,
    witness: z.object({ to: address, facilitator: address, validAfter: uint256 }),
  }),
})

export type ExactPermit2Payload = z.output<typeof exactPermit2PayloadSchema>
export type UptoPermit2Payload = z.output<typeof uptoPermit2PayloadSchema>
export type ExactPermit2Authorization = ExactPermit2Payload['permit2Authorization']
export type UptoPermit2Authorization = UptoPermit2Payload['permit2Authorization']
export type Permit2Authorization = ExactPermit2Authorization | UptoPermit2Authorization

/** Whether a payment payload is a Permit2 one: the reference tells the kinds apart this way. */
export function isPermit2Payload(payload: Record<string, unknown>): boolean {
  return 'permit2Authorization' in payload
}

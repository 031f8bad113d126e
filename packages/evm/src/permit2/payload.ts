import { z } from 'zod'

/** The `payload` of an x402 Permit2 payment (exact or upto), parsed strictly. */

const uint256 = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/, 'must be a uint256 as a decimal string')
  .refine((value) => !/^[0-9]+$/.test(value) || BigInt(value) < 2n ** 256n, 'exceeds uint256')

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 20-byte hex address')

const signature = z
  .string()
  .regex(/^0x([0-9a-fA-F]{2})+$/, 'must be hex bytes')
  .max(2 + 2 * 16_384, 'signature exceeds 16 KiB')

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

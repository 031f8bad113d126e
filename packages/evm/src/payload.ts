import { z } from 'zod'

/** The `payload` of an exact EVM payment with EIP-3009, parsed strictly. */

export const uint256 = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/, 'must be a uint256 as a decimal string')
  // Zod runs every check even after the regex failed, so the bound must not assume digits.
  .refine((value) => !/^[0-9]+$/.test(value) || BigInt(value) < 2n ** 256n, 'exceeds uint256')

export const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'must be a 20-byte hex address')

export const signatureBytes = z
  .string()
  .regex(/^0x([0-9a-fA-F]{2})+$/, 'must be hex bytes')
  .max(2 + 2 * 16_384, 'signature exceeds 16 KiB')

export const exactEvmPayloadSchema = z.object({
  signature: signatureBytes,
  authorization: z.object({
    from: address,
    to: address,
    value: uint256,
    validAfter: uint256,
    validBefore: uint256,
    nonce: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'must be 32 bytes of hex'),
  }),
})

export type ExactEvmPayload = z.output<typeof exactEvmPayloadSchema>
export type Authorization = ExactEvmPayload['authorization']

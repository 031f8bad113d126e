import { z } from 'zod'
import { address, signatureBytes, uint256 } from '../../wire.ts'

/** The `payload` of an exact EVM payment with EIP-3009, parsed strictly. */

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

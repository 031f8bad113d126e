import { z } from 'zod'

/** The strings EVM payloads are made of, checked strictly: amounts, addresses, signatures. */

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

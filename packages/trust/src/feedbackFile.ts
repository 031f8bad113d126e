import { TollgateError } from '@tollgate/core'
import { type Address, type Hex, keccak256 } from 'viem'
import { z } from 'zod'

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/)

/** The settled payment a feedback rests on: ERC-8004's `proofOfPayment`, filled from an x402 receipt. */
export const proofOfPaymentSchema = z.looseObject({
  fromAddress: address,
  toAddress: address,
  /** Decimal chain id, as the spec writes it. */
  chainId: z.string().regex(/^\d+$/),
  txHash: z.string().regex(/^0x[0-9a-fA-F]{64}$/),
})

/** The off-chain feedback file (ERC-8004), unknown fields kept. */
export const feedbackFileSchema = z.looseObject({
  agentRegistry: z.string(),
  agentId: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)]),
  /** CAIP-10: `eip155:<chainId>:<address>`. */
  clientAddress: z.string().regex(/^eip155:\d+:0x[0-9a-fA-F]{40}$/),
  createdAt: z.string(),
  value: z.union([z.number(), z.string()]),
  valueDecimals: z.number().int().min(0).max(18),
  tag1: z.string().optional(),
  tag2: z.string().optional(),
  endpoint: z.string().optional(),
  proofOfPayment: proofOfPaymentSchema.optional(),
})

export type FeedbackFile = z.output<typeof feedbackFileSchema>
export type ProofOfPayment = z.output<typeof proofOfPaymentSchema>

/**
 * The exact bytes published for a feedback file: `feedbackHash` is keccak256 of these and nothing
 * else, so a reader checks the file it fetched, byte for byte.
 */
export function feedbackFileBytes(file: FeedbackFile): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(file))
}

export function contentHash(bytes: Uint8Array): Hex {
  return keccak256(bytes)
}

/** The proof of an x402 payment from its settlement: payer, payee, chain and transaction. */
export function proofOfPayment(settled: {
  payer: Address
  payTo: Address
  chainId: number
  transaction: Hex
}): ProofOfPayment {
  return {
    fromAddress: settled.payer,
    toAddress: settled.payTo,
    chainId: String(settled.chainId),
    txHash: settled.transaction,
  }
}

/** @throws TollgateError `TRUST_FEEDBACK_FILE_MALFORMED` with what is wrong. */
export function parseFeedbackFile(bytes: Uint8Array): FeedbackFile {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))
  } catch (error) {
    throw new TollgateError(
      'TRUST_FEEDBACK_FILE_MALFORMED',
      `the feedback file is not UTF-8 JSON: ${(error as Error).message}`,
    )
  }
  const parsed = feedbackFileSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new TollgateError(
      'TRUST_FEEDBACK_FILE_MALFORMED',
      `the feedback file is not an ERC-8004 feedback file: ${issue?.path.join('.') || 'document'}: ${issue?.message}`,
    )
  }
  return parsed.data
}

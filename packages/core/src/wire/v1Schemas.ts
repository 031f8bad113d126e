import { z } from 'zod'
import { atomicAmountSchema } from './schemas.ts'

/** Zod schemas of the legacy x402 v1 wire types, read only to translate them. */

function dropNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null))
}

export const paymentRequirementsV1Schema = z.preprocess(
  dropNulls,
  z.looseObject({
    scheme: z.string().min(1).max(64),
    network: z.string().min(1).max(64),
    maxAmountRequired: atomicAmountSchema,
    resource: z.string().max(4096),
    description: z.string().max(4096).optional(),
    mimeType: z.string().max(256).optional(),
    outputSchema: z.record(z.string(), z.unknown()).optional(),
    payTo: z.string().min(1).max(128),
    maxTimeoutSeconds: z.number().int().positive().max(31_536_000),
    asset: z.string().min(1).max(128),
    extra: z.record(z.string(), z.unknown()).optional(),
  }),
)

export const paymentRequiredV1Schema = z.preprocess(
  dropNulls,
  z.looseObject({
    x402Version: z.literal(1),
    error: z.string().max(1024).optional(),
    accepts: z.array(paymentRequirementsV1Schema).max(32),
  }),
)

export const paymentPayloadV1Schema = z.preprocess(
  dropNulls,
  z.looseObject({
    x402Version: z.literal(1),
    scheme: z.string().min(1).max(64),
    network: z.string().min(1).max(64),
    payload: z.record(z.string(), z.unknown()),
  }),
)

import { z } from 'zod'

/**
 * Zod schemas of the x402 v2 wire types. Objects are loose: unknown keys survive a round trip,
 * so fields added by newer protocol versions reach whoever understands them.
 */

/** Atomic units as a canonical decimal string: no sign, exponent, hex or leading zeros. */
export const atomicAmountSchema = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,77})$/, 'must be a non-negative integer in atomic units, as a string')

/** A concrete CAIP-2 chain id such as `eip155:8453`. */
export const caip2Schema = z
  .string()
  .regex(/^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/, 'must be a CAIP-2 chain id such as eip155:8453')

const jsonObjectSchema = z.record(z.string(), z.unknown())

/** Optional fields may arrive as null from some implementations; null means absent. */
function dropNulls(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return value
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null))
}

/** A loose object whose null fields count as absent. */
function wireObject<T extends z.ZodRawShape>(shape: T) {
  return z.preprocess(dropNulls, z.looseObject(shape))
}

export const paymentRequirementsSchema = wireObject({
  scheme: z.string().min(1).max(64),
  network: caip2Schema,
  amount: atomicAmountSchema,
  asset: z.string().min(1).max(128),
  payTo: z.string().min(1).max(128),
  // 0 is allowed: a price that is not held (the Cloudflare binding), and the requirements
  // batch-settlement servers send with claims and sweeps, which no buyer signed against.
  maxTimeoutSeconds: z.number().int().min(0).max(31_536_000),
  extra: jsonObjectSchema.optional(),
})

export const resourceInfoSchema = wireObject({
  url: z.string().min(1).max(4096),
  description: z.string().max(4096).optional(),
  mimeType: z.string().max(256).optional(),
  serviceName: z.string().max(64).optional(),
  tags: z.array(z.string().max(64)).max(16).optional(),
  iconUrl: z.string().max(2048).optional(),
})

export const paymentRequiredSchema = wireObject({
  x402Version: z.literal(2),
  error: z.string().max(1024).optional(),
  resource: resourceInfoSchema,
  accepts: z.array(paymentRequirementsSchema).min(1).max(32),
  extensions: jsonObjectSchema.optional(),
})

export const paymentPayloadSchema = wireObject({
  x402Version: z.literal(2),
  resource: resourceInfoSchema.optional(),
  accepted: paymentRequirementsSchema,
  payload: jsonObjectSchema,
  extensions: jsonObjectSchema.optional(),
})

export const verifyResponseSchema = wireObject({
  isValid: z.boolean(),
  invalidReason: z.string().optional(),
  invalidMessage: z.string().optional(),
  payer: z.string().optional(),
  extensions: jsonObjectSchema.optional(),
  extra: jsonObjectSchema.optional(),
})

export const settleResponseSchema = wireObject({
  success: z.boolean(),
  errorReason: z.string().optional(),
  errorMessage: z.string().optional(),
  payer: z.string().optional(),
  transaction: z.string(),
  network: z.string(),
  amount: z.string().optional(),
  extensions: jsonObjectSchema.optional(),
  extra: jsonObjectSchema.optional(),
})

export const supportedKindSchema = wireObject({
  x402Version: z.number().int(),
  scheme: z.string(),
  network: z.string(),
  extra: jsonObjectSchema.optional(),
})

export const supportedResponseSchema = wireObject({
  kinds: z.array(supportedKindSchema),
  extensions: z.array(z.string()).default([]),
  signers: z.record(z.string(), z.array(z.string())).default({}),
})

/** Body of `POST /verify` and `POST /settle` (either protocol version; payloads checked later). */
export const facilitatorRequestSchema = wireObject({
  x402Version: z.number().int().optional(),
  paymentPayload: jsonObjectSchema,
  paymentRequirements: jsonObjectSchema,
})

import { decodeBase64Utf8, encodeBase64Utf8, parseStrictJson, TollgateError } from '@tollgate/core'
import { z } from 'zod'

/** The extension's key in `PaymentRequired.extensions`, and the request header's name. */
export const SIGN_IN_WITH_X = 'sign-in-with-x'

/** What the server asks to be signed (CAIP-122 fields shared by every chain it accepts). */
export const siwxInfoSchema = z.looseObject({
  domain: z.string().min(1),
  uri: z.string().min(1),
  statement: z.string().optional(),
  version: z.string(),
  nonce: z.string().regex(/^[0-9a-zA-Z]{8,}$/),
  issuedAt: z.string(),
  expirationTime: z.string().optional(),
  notBefore: z.string().optional(),
  requestId: z.string().optional(),
  resources: z.array(z.string()).optional(),
})

export const supportedChainSchema = z.looseObject({
  /** CAIP-2: `eip155:8453`, `solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp`. */
  chainId: z.string().regex(/^[-a-z0-9]{3,8}:[-_a-zA-Z0-9]{1,32}$/),
  type: z.enum(['eip191', 'ed25519']),
  signatureScheme: z.enum(['eip191', 'eip1271', 'eip6492', 'siws']).optional(),
})

/** `extensions["sign-in-with-x"]` of a 402: `supportedChains` sits beside `info`, not in it. */
export const siwxExtensionSchema = z.looseObject({
  info: siwxInfoSchema,
  supportedChains: z.array(supportedChainSchema),
  schema: z.unknown().optional(),
})

/** The `SIGN-IN-WITH-X` header's JSON: the echoed fields, the signer and its signature. */
export const siwxPayloadSchema = siwxInfoSchema.extend({
  address: z.string().min(1),
  chainId: supportedChainSchema.shape.chainId,
  type: supportedChainSchema.shape.type,
  signatureScheme: supportedChainSchema.shape.signatureScheme,
  signature: z.string().min(1),
})

export type SiwxInfo = z.output<typeof siwxInfoSchema>
export type SupportedChain = z.output<typeof supportedChainSchema>
export type SiwxExtension = z.output<typeof siwxExtensionSchema>
export type SiwxPayload = z.output<typeof siwxPayloadSchema>
/** The info with the one chain the signer chose. */
export type SiwxChallenge = SiwxInfo & Pick<SupportedChain, 'chainId' | 'type' | 'signatureScheme'>

/** The JSON schema a 402 carries for the header's payload (what the reference declares). */
export function siwxJsonSchema() {
  const text = { type: 'string' }
  const time = { type: 'string', format: 'date-time' }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: {
      domain: text,
      address: text,
      statement: text,
      uri: { type: 'string', format: 'uri' },
      version: text,
      chainId: text,
      type: text,
      nonce: text,
      issuedAt: time,
      expirationTime: time,
      notBefore: time,
      requestId: text,
      resources: { type: 'array', items: { type: 'string', format: 'uri' } },
      signature: text,
    },
    required: [
      'domain',
      'address',
      'uri',
      'version',
      'chainId',
      'type',
      'nonce',
      'issuedAt',
      'signature',
    ],
  } as const
}

export function encodeSiwxHeader(payload: SiwxPayload): string {
  return encodeBase64Utf8(JSON.stringify(payload))
}

/** @throws TollgateError `SIWX_HEADER_MALFORMED` with what is wrong. */
export function parseSiwxHeader(header: string): SiwxPayload {
  const text = decodeBase64Utf8(header.trim())
  const json = text === undefined ? undefined : parseStrictJson(text)
  if (!json?.ok)
    throw new TollgateError(
      'SIWX_HEADER_MALFORMED',
      `the ${SIGN_IN_WITH_X} header is not base64 of one JSON document`,
    )
  const parsed = siwxPayloadSchema.safeParse(json.value)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new TollgateError(
      'SIWX_HEADER_MALFORMED',
      `the ${SIGN_IN_WITH_X} header: ${issue?.path.join('.') || 'payload'}: ${issue?.message}`,
    )
  }
  return parsed.data
}

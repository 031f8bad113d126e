/**
 * The wire types, written out so they read as documentation. The zod schemas in schemas.ts
 * parse into these shapes (parse.ts checks the fit at compile time).
 */

/** Protocol versions this implementation reads. Version 2 is the one it writes. */
export type X402Version = 1 | 2

type JsonObject = Record<string, unknown>

/** One way to pay: an entry of `accepts`. */
export interface PaymentRequirements {
  scheme: string
  /** CAIP-2 chain id, e.g. `eip155:8453`. */
  network: string
  /** Atomic units of `asset`, as a decimal string. */
  amount: string
  asset: string
  payTo: string
  maxTimeoutSeconds: number
  extra?: JsonObject | undefined
}

export interface ResourceInfo {
  url: string
  description?: string | undefined
  mimeType?: string | undefined
  serviceName?: string | undefined
  tags?: string[] | undefined
  iconUrl?: string | undefined
}

/**
 * The one internal shape of a 402 answer. `x402Version` records the version it arrived in;
 * a v1 body is translated into this shape (CAIP-2 networks, `amount`, top-level resource).
 */
export interface PaymentRequired {
  x402Version: X402Version
  error?: string | undefined
  resource: ResourceInfo
  accepts: PaymentRequirements[]
  extensions?: JsonObject | undefined
}

/** The one internal shape of a payment. For v1 input, `accepted` is the offered requirement. */
export interface PaymentPayload {
  x402Version: X402Version
  resource?: ResourceInfo | undefined
  accepted: PaymentRequirements
  payload: JsonObject
  extensions?: JsonObject | undefined
}

export interface VerifyResponse {
  isValid: boolean
  invalidReason?: string | undefined
  invalidMessage?: string | undefined
  payer?: string | undefined
  extensions?: JsonObject | undefined
  extra?: JsonObject | undefined
}

export interface SettleResponse {
  success: boolean
  errorReason?: string | undefined
  errorMessage?: string | undefined
  payer?: string | undefined
  /** The transaction hash; `""` only when nothing was broadcast. */
  transaction: string
  network: string
  amount?: string | undefined
  extensions?: JsonObject | undefined
  extra?: JsonObject | undefined
}

export interface SupportedKind {
  x402Version: number
  scheme: string
  network: string
  extra?: JsonObject | undefined
}

export interface SupportedResponse {
  kinds: SupportedKind[]
  extensions: string[]
  signers: Record<string, string[]>
}

export interface PaymentRequirementsV1 {
  scheme: string
  network: string
  maxAmountRequired: string
  resource: string
  description?: string | undefined
  mimeType?: string | undefined
  outputSchema?: JsonObject | undefined
  payTo: string
  maxTimeoutSeconds: number
  asset: string
  extra?: JsonObject | undefined
}

export interface PaymentRequiredV1 {
  x402Version: 1
  error?: string | undefined
  accepts: PaymentRequirementsV1[]
}

export interface PaymentPayloadV1 {
  x402Version: 1
  scheme: string
  network: string
  payload: JsonObject
}

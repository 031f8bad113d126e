/**
 * The payment the page signs, built exactly as `@tollgate/evm`'s `exactEvmClient` builds it: an
 * EIP-3009 `TransferWithAuthorization` for exactly the required amount to exactly the required
 * payee, valid from 0 until now plus the requirement's timeout, under the token's EIP-712
 * domain (`extra.name`, `extra.version`, the chain id and the token as verifying contract).
 * Pure functions, so they are tested in Node against the EVM package.
 */
import {
  decodeBase64Utf8,
  encodeBase64Utf8,
  type PaymentPayload,
  type PaymentRequired,
  type PaymentRequirements,
  type SettleResponse,
} from '@tollgate/core'

export interface Authorization {
  from: string
  to: string
  value: string
  validAfter: string
  validBefore: string
  nonce: string
}

/** The JSON `eth_signTypedData_v4` takes: types (with the domain's), domain, message. */
export interface TransferTypedData {
  types: Record<string, Array<{ name: string; type: string }>>
  primaryType: 'TransferWithAuthorization'
  domain: { name: string; version: string; chainId: number; verifyingContract: string }
  message: Authorization
}

const eip712DomainType = [
  { name: 'name', type: 'string' },
  { name: 'version', type: 'string' },
  { name: 'chainId', type: 'uint256' },
  { name: 'verifyingContract', type: 'address' },
]

const transferWithAuthorizationType = [
  { name: 'from', type: 'address' },
  { name: 'to', type: 'address' },
  { name: 'value', type: 'uint256' },
  { name: 'validAfter', type: 'uint256' },
  { name: 'validBefore', type: 'uint256' },
  { name: 'nonce', type: 'bytes32' },
]

/** 32 random bytes as 0x-prefixed hex: the authorization's nonce. */
export function randomNonce(): string {
  return `0x${randomHex(32)}`
}

/**
 * The authorization and its typed data for `from` to sign. Throws when the requirement lacks the
 * token's EIP-712 domain, as the EVM client does: nothing could verify such a signature.
 */
export function transferTypedData(input: {
  requirements: PaymentRequirements
  chainId: number
  from: string
  nowSeconds: number
  nonce: string
}): { authorization: Authorization; typedData: TransferTypedData } {
  const { requirements } = input
  const name = requirements.extra?.name
  const version = requirements.extra?.version
  if (typeof name !== 'string' || typeof version !== 'string') {
    throw new Error('the offer names no token EIP-712 domain (extra.name, extra.version)')
  }
  const authorization: Authorization = {
    from: input.from,
    to: requirements.payTo,
    value: requirements.amount,
    // "0" rather than now-minus-a-margin: clocks that disagree can then never make it early.
    validAfter: '0',
    validBefore: String(input.nowSeconds + requirements.maxTimeoutSeconds),
    nonce: input.nonce,
  }
  return {
    authorization,
    typedData: {
      types: {
        EIP712Domain: eip712DomainType,
        TransferWithAuthorization: transferWithAuthorizationType,
      },
      primaryType: 'TransferWithAuthorization',
      domain: { name, version, chainId: input.chainId, verifyingContract: requirements.asset },
      message: authorization,
    },
  }
}

/** The v2 payment: the offer taken, the signed authorization, the declared extensions echoed. */
export function paymentPayload(
  required: PaymentRequired,
  requirements: PaymentRequirements,
  signature: string,
  authorization: Authorization,
): PaymentPayload {
  const extensions = echoExtensions(required.extensions)
  return {
    x402Version: 2,
    resource: required.resource,
    accepted: requirements,
    payload: { signature, authorization: { ...authorization } },
    ...(extensions ? { extensions } : {}),
  }
}

/** The `PAYMENT-SIGNATURE` header value: base64 of the JSON, over UTF-8. */
export function encodePaymentSignature(payment: PaymentPayload): string {
  return encodeBase64Utf8(JSON.stringify(payment))
}

/** The receipt in a `PAYMENT-RESPONSE` header, or undefined when absent or unreadable. */
export function decodeReceipt(header: string | null): SettleResponse | undefined {
  if (!header) return undefined
  const text = decodeBase64Utf8(header.trim())
  if (text === undefined) return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof value !== 'object' || value === null) return undefined
  const field = (key: string): string | undefined => {
    const found: unknown = Reflect.get(value, key)
    return typeof found === 'string' ? found : undefined
  }
  return {
    success: Reflect.get(value, 'success') === true,
    transaction: field('transaction') ?? '',
    network: field('network') ?? '',
    payer: field('payer'),
    errorReason: field('errorReason'),
    errorMessage: field('errorMessage'),
  }
}

/** `bytes` random bytes as lowercase hex, without a prefix. */
function randomHex(bytes: number): string {
  const values = crypto.getRandomValues(new Uint8Array(bytes))
  return Array.from(values, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

const paymentIdentifierKey = 'payment-identifier'

/**
 * Extensions as the server declared them (bazaar and any other), with an id added to a declared
 * `payment-identifier` that has none: a client may add to an extension, never change it.
 */
function echoExtensions(
  declared: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!declared) return undefined
  const extension = declared[paymentIdentifierKey]
  if (typeof extension !== 'object' || extension === null) return declared
  const info: unknown = Reflect.get(extension, 'info')
  const infoObject = typeof info === 'object' && info !== null ? info : {}
  if (typeof Reflect.get(infoObject, 'id') === 'string') return declared
  // `pay_` and 32 hex digits, the form the reference client makes. Not `randomUUID`: pages served
  // over plain HTTP (not a secure context) lack it.
  const id = `pay_${randomHex(16)}`
  return { ...declared, [paymentIdentifierKey]: { ...extension, info: { ...infoObject, id } } }
}

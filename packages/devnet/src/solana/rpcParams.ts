/**
 * JSON-RPC errors and parameter readers for the Solana devnet endpoint. Every method reads its
 * positional params through these, so a wrong type anywhere becomes a -32602 answer with a
 * message in Solana's wording, never an exception that escapes the handler.
 * @module
 */
import { isBase58Of32Bytes } from './encoding.ts'

/** JSON-RPC 2.0 and Solana-specific error codes used by the endpoint. */
export const RPC_ERROR = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  /** Solana: sendTransaction preflight simulation failed (data is the simulation result). */
  SEND_TRANSACTION_PREFLIGHT_FAILURE: -32002,
  TRANSACTION_SIGNATURE_VERIFICATION_FAILURE: -32003,
  UNSUPPORTED_TRANSACTION_VERSION: -32015,
} as const

/** An error answered to the caller as a JSON-RPC `error` object. */
export class RpcError extends Error {
  override readonly name = 'RpcError'
  readonly code: number
  readonly data: unknown

  constructor(code: number, message: string, data?: unknown) {
    super(message)
    this.code = code
    this.data = data
  }
}

/** A -32602 error; `message` follows Solana's wording where it has one. */
export function invalidParams(message: string): RpcError {
  return new RpcError(RPC_ERROR.INVALID_PARAMS, message)
}

export type Params = readonly unknown[]
export type Config = Readonly<Record<string, unknown>>

/** The positional params of a request: absent means none; anything but an array is refused. */
export function readParams(params: unknown): Params {
  if (params === undefined || params === null) return []
  if (!Array.isArray(params)) throw invalidParams('Invalid params: expected an array of params')
  return params
}

/** The required param at `index`, which must exist. */
export function requiredParam(params: Params, index: number): unknown {
  if (params.length <= index) {
    throw invalidParams(`\`params\` should have at least ${index + 1} argument(s)`)
  }
  return params[index]
}

export function stringParam(params: Params, index: number): string {
  const value = requiredParam(params, index)
  if (typeof value !== 'string')
    throw invalidParams(`Invalid params: ${typeName(value)}, expected a string`)
  return value
}

/** A base58 address (or other 32-byte key) param. */
export function addressParam(params: Params, index: number): string {
  const value = stringParam(params, index)
  if (!isBase58Of32Bytes(value)) throw invalidParams('Invalid param: Invalid')
  return value
}

/** An array param of at most `itemsMax` items, each read by `readItem`. */
export function arrayParam<T>(
  params: Params,
  index: number,
  itemsMax: number,
  readItem: (item: unknown) => T,
): T[] {
  const value = requiredParam(params, index)
  if (!Array.isArray(value))
    throw invalidParams(`Invalid params: ${typeName(value)}, expected an array`)
  if (value.length > itemsMax) {
    throw invalidParams(`Too many inputs provided; max ${itemsMax}`)
  }
  return value.map(readItem)
}

/** Reads an address out of an array param. */
export function addressItem(item: unknown): string {
  if (typeof item !== 'string' || !isBase58Of32Bytes(item)) {
    throw invalidParams('Invalid param: Invalid')
  }
  return item
}

/** A non-negative integer param (u64 on Solana's side). */
export function integerParam(params: Params, index: number): bigint {
  return toUnsigned(requiredParam(params, index), 'param')
}

/** The optional config object at `index`; absent or null reads as `{}`. */
export function configParam(params: Params, index: number): Config {
  const value = params[index]
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParams(`Invalid params: ${typeName(value)}, expected a config object`)
  }
  return Object.fromEntries(Object.entries(value))
}

export function configBoolean(config: Config, key: string, fallback: boolean): boolean {
  const value = config[key]
  if (value === undefined || value === null) return fallback
  if (typeof value !== 'boolean') {
    throw invalidParams(`Invalid params: \`${key}\` is ${typeName(value)}, expected a boolean`)
  }
  return value
}

/** A config field that must be one of `allowed` (`fallback` when absent). */
export function configChoice<T extends string>(
  config: Config,
  key: string,
  allowed: readonly T[],
  fallback: T,
): T {
  const value = config[key]
  if (value === undefined || value === null) return fallback
  const match = allowed.find((choice) => choice === value)
  if (match === undefined) {
    throw invalidParams(`Invalid params: unknown variant \`${String(value)}\` for \`${key}\``)
  }
  return match
}

/** An optional non-negative integer config field. */
export function configInteger(config: Config, key: string): bigint | undefined {
  const value = config[key]
  if (value === undefined || value === null) return undefined
  return toUnsigned(value, `\`${key}\``)
}

function toUnsigned(value: unknown, what: string): bigint {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw invalidParams(`Invalid params: ${what} is ${typeName(value)}, expected a u64`)
  }
  return BigInt(value)
}

function typeName(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a sequence'
  if (typeof value === 'object') return 'a map'
  if (typeof value === 'string') return `string ${JSON.stringify(value.slice(0, 64))}`
  return `${typeof value} \`${String(value)}\``
}

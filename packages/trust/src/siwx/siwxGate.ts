import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import { type ErrorCode, reasonOf } from '@tollgate/core'
import type { PublicClient } from 'viem'
import { type SiwxSignatureOptions, verifySiwxSignature } from './signatures.ts'
import {
  parseSiwxHeader,
  type SiwxExtension,
  type SiwxPayload,
  type SupportedChain,
  siwxJsonSchema,
} from './wire.ts'

/**
 * What a sign-in entitles: one operation, not the whole site (x402 #3462). A sign-in issued
 * for `GET /weather` at one price is refused for another path, method or price.
 */
export interface SiwxOperation {
  method: string
  /** The route's path as matched, e.g. `/weather`. */
  path: string
  /** The price as the route states it, e.g. `$0.001` or `1000 eip155:8453/0x…`. */
  price: string
}

/** Nonces already signed in with, shared by every instance that issues challenges. */
export interface UsedNonces {
  /** Records the nonce; false if it was recorded before (a replay). */
  use(nonce: string, expiresAtMs: number): Promise<boolean>
}

/** In this process only; forgets nonces once their challenge has expired. */
export class MemoryUsedNonces implements UsedNonces {
  readonly #expiry = new Map<string, number>()

  async use(nonce: string, expiresAtMs: number): Promise<boolean> {
    const now = Date.now()
    if (this.#expiry.size > 1024)
      for (const [seen, expires] of this.#expiry) if (expires < now) this.#expiry.delete(seen)
    if (this.#expiry.has(nonce)) return false
    this.#expiry.set(nonce, expiresAtMs)
    return true
  }
}

export interface SiwxGateOptions {
  /** Chains a caller may sign in from, e.g. `[{ chainId: 'eip155:8453', type: 'eip191' }]`. */
  chains: readonly SupportedChain[]
  /**
   * Key that binds each nonce to its operation. Instances behind one load balancer need the
   * same one (32 bytes or more), else a sign-in issued by one is refused by another.
   * @default random per process
   */
  secret?: Uint8Array | undefined
  usedNonces?: UsedNonces | undefined
  /** How long a challenge may be answered. @default 300 (the reference's five minutes) */
  ttlSeconds?: number | undefined
  /** Accepts smart-wallet signatures (EIP-1271, EIP-6492) by asking the chain. */
  publicClient?: PublicClient | undefined
  /** A faster EOA recovery (see `SiwxSignatureOptions.recover`). */
  recover?: SiwxSignatureOptions['recover']
  now?: (() => number) | undefined
}

/** A request as the gate sees it: the full URL and the operation it asks for. */
export interface SiwxRequest {
  url: string
  operation: SiwxOperation
}

export type SiwxVerdict =
  | { ok: true; address: string; chainId: string; payload: SiwxPayload }
  | { ok: false; code: ErrorCode; reason: string; message: string }

const clockSkewMs = 5_000

/**
 * Sign-in-with-x for a resource server: `challenge` gives the 402's extension with a fresh
 * nonce, `verify` checks a `SIGN-IN-WITH-X` header against the request it came with. Nonces
 * carry an HMAC over their operation, so issuing one stores nothing; only nonces that were
 * signed are recorded, once.
 */
export class SiwxGate {
  readonly #chains: readonly SupportedChain[]
  readonly #secret: Uint8Array
  readonly #used: UsedNonces
  readonly #ttlMs: number
  readonly #signatureOptions: SiwxSignatureOptions
  readonly #now: () => number

  constructor(options: SiwxGateOptions) {
    if (options.chains.length === 0) throw new Error('SiwxGate needs at least one chain')
    if (options.secret && options.secret.byteLength < 32)
      throw new Error('the sign-in secret must be at least 32 bytes')
    this.#chains = options.chains
    this.#secret = options.secret ?? randomBytes(32)
    this.#used = options.usedNonces ?? new MemoryUsedNonces()
    this.#ttlMs = (options.ttlSeconds ?? 300) * 1000
    this.#signatureOptions = { publicClient: options.publicClient, recover: options.recover }
    this.#now = options.now ?? Date.now
  }

  /** The `extensions["sign-in-with-x"]` value for a 402 answering `request`. */
  challenge(request: SiwxRequest): SiwxExtension {
    const url = new URL(request.url)
    const issuedAt = new Date(this.#now()).toISOString()
    const uri = `${url.origin}${url.pathname}`
    const salt = randomBytes(8).toString('hex')
    return {
      info: {
        domain: url.host,
        uri,
        statement: `Sign in to ${request.operation.method.toUpperCase()} ${request.operation.path} at ${request.operation.price}`,
        version: '1',
        nonce: `${salt}${this.#bind(salt, issuedAt, uri, request.operation)}`,
        issuedAt,
        expirationTime: new Date(this.#now() + this.#ttlMs).toISOString(),
        resources: [uri],
      },
      supportedChains: this.#chains.map((chain) => ({ ...chain })),
      schema: siwxJsonSchema(),
    }
  }

  /** Checks a `SIGN-IN-WITH-X` header; the nonce is spent only by a valid signature. */
  async verify(header: string, request: SiwxRequest): Promise<SiwxVerdict> {
    let payload: SiwxPayload
    try {
      payload = parseSiwxHeader(header)
    } catch (error) {
      return refused('SIWX_HEADER_MALFORMED', (error as Error).message)
    }
    const url = new URL(request.url)
    if (payload.domain !== url.host)
      return refused('SIWX_DOMAIN_MISMATCH', `signed for ${payload.domain}, this is ${url.host}`)
    let signedUri: URL
    try {
      signedUri = new URL(payload.uri)
    } catch {
      return refused('SIWX_URI_MISMATCH', `${JSON.stringify(payload.uri)} is not a URL`)
    }
    if (signedUri.origin !== url.origin)
      return refused('SIWX_URI_MISMATCH', `signed for ${signedUri.origin}, this is ${url.origin}`)
    const times = this.#checkTimes(payload)
    if (times) return times
    if (
      !this.#chains.some(
        (chain) => chain.chainId === payload.chainId && chain.type === payload.type,
      )
    )
      return refused(
        'SIWX_CHAIN_UNSUPPORTED',
        `sign-in from ${payload.chainId} (${payload.type}) is not accepted here`,
      )
    const salt = payload.nonce.slice(0, 16)
    const expected = this.#bind(salt, payload.issuedAt, payload.uri, request.operation)
    if (!sameText(payload.nonce.slice(16), expected) || signedUri.pathname !== url.pathname)
      return refused(
        'SIWX_OPERATION_MISMATCH',
        `this sign-in was not issued here for ${request.operation.method.toUpperCase()} ${request.operation.path} at ${request.operation.price}`,
      )
    const signature = await verifySiwxSignature(payload, this.#signatureOptions)
    if (signature) return refused(signature.code, signature.message)
    const expiresAt =
      Date.parse(payload.expirationTime ?? '') || Date.parse(payload.issuedAt) + this.#ttlMs
    if (!(await this.#used.use(payload.nonce, expiresAt + clockSkewMs)))
      return refused('SIWX_NONCE_INVALID', 'this sign-in was used already: ask for a new challenge')
    return { ok: true, address: payload.address, chainId: payload.chainId, payload }
  }

  #checkTimes(payload: SiwxPayload): SiwxVerdict | undefined {
    const now = this.#now()
    const issuedAt = Date.parse(payload.issuedAt)
    if (Number.isNaN(issuedAt)) return refused('SIWX_ISSUED_AT_INVALID', 'issuedAt is not a time')
    if (now - issuedAt > this.#ttlMs)
      return refused(
        'SIWX_ISSUED_AT_TOO_OLD',
        `issued ${Math.round((now - issuedAt) / 1000)} s ago`,
      )
    if (issuedAt - now > clockSkewMs)
      return refused('SIWX_ISSUED_AT_IN_FUTURE', 'issuedAt is in the future')
    if (payload.expirationTime !== undefined) {
      const expires = Date.parse(payload.expirationTime)
      if (Number.isNaN(expires))
        return refused('SIWX_EXPIRATION_INVALID', 'expirationTime is not a time')
      if (expires < now) return refused('SIWX_EXPIRED', `expired at ${payload.expirationTime}`)
    }
    if (payload.notBefore !== undefined) {
      const notBefore = Date.parse(payload.notBefore)
      if (Number.isNaN(notBefore))
        return refused('SIWX_NOT_BEFORE_INVALID', 'notBefore is not a time')
      if (notBefore > now) return refused('SIWX_NOT_YET_VALID', `valid from ${payload.notBefore}`)
    }
    return undefined
  }

  #bind(salt: string, issuedAt: string, uri: string, operation: SiwxOperation): string {
    return createHmac('sha256', this.#secret)
      .update(
        `${salt}\n${issuedAt}\n${uri}\n${operation.method.toUpperCase()}\n${operation.path}\n${operation.price}`,
      )
      .digest('hex')
      .slice(0, 16)
  }
}

function refused(code: ErrorCode, message: string): SiwxVerdict {
  return { ok: false, code, reason: reasonOf(code), message }
}

function sameText(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))
}

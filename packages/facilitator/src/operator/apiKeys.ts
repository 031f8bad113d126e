/**
 * @module
 * Merchant API keys. A key is shown once, when it is generated; only its SHA-256 is stored, so a
 * leaked store does not leak keys, and a lookup by hash needs no constant-time comparison.
 */
import { createHash, randomBytes } from 'node:crypto'

/** What a key lets its merchant do. An absent allow-list allows any value. */
export interface MerchantAccess {
  merchant: string
  /** CAIP-2 networks (v1 names are accepted too) the merchant may verify and settle on. */
  networks?: string[]
  /** Asset addresses the merchant may be paid in. */
  assets?: string[]
  /**
   * Addresses the merchant is paid at: it may settle only payments to them, and only a refund of
   * a channel paying one of them is signed with the facilitator's batch-settlement authorizer.
   */
  payTo?: string[]
}

/** Where keys live. Implementations look keys up by hash only and never see a key in clear. */
export interface ApiKeyStore {
  findByHash(hash: string): Promise<MerchantAccess | undefined>
}

export interface ApiKeyOptions {
  store: ApiKeyStore
  /** When false, a request without a key passes with no allow-lists; an unknown key is refused. */
  required: boolean
}

const keyPrefix = 'tg_'
const keyBytes = 32
const hashPattern = /^[0-9a-f]{64}$/

/**
 * A new API key: `tg_` and 32 random bytes in base64url (256 bits).
 * @example
 * const key = generateApiKey() // hand to the merchant once
 * await db.insert({ keyHash: hashApiKey(key), merchant: 'acme' })
 */
export function generateApiKey(): string {
  return `${keyPrefix}${randomBytes(keyBytes).toString('base64url')}`
}

/** The SHA-256 of a key in lowercase hex: the only form a store keeps. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex')
}

/** An in-memory store, for tests and small deployments configured from a file. */
export function memoryApiKeyStore(
  entries: ReadonlyArray<{ keyHash: string } & MerchantAccess>,
): ApiKeyStore {
  const byHash = new Map<string, MerchantAccess>()
  for (const { keyHash, ...access } of entries) {
    // A clear key passed by mistake would otherwise sit in memory and never match.
    if (!hashPattern.test(keyHash)) {
      throw new TypeError(`keyHash of ${access.merchant} must be a SHA-256 in lowercase hex`)
    }
    byHash.set(keyHash, access)
  }
  return {
    async findByHash(hash) {
      return byHash.get(hash)
    },
  }
}

/** Bounds on what is worth hashing and looking up; anything else is refused without I/O. */
const plausibleKey = /^[\x21-\x7e]{16,256}$/

/**
 * The key a request carries in `Authorization: Bearer <key>` or `X-API-Key`, the former first.
 * Answers `invalid` for a header that is present but cannot be a key.
 */
export function readApiKey(
  header: (name: string) => string | undefined,
): { key: string } | 'missing' | 'invalid' {
  const authorization = header('authorization')
  let key: string | undefined
  if (authorization !== undefined) {
    const match = /^bearer\s+(\S+)\s*$/i.exec(authorization)
    if (!match) return 'invalid'
    key = match[1]
  } else {
    key = header('x-api-key')?.trim()
  }
  if (key === undefined || key === '') return 'missing'
  return plausibleKey.test(key) ? { key } : 'invalid'
}

import { createHash, randomBytes } from 'node:crypto'
import { TollgateError } from '@tollgate/core'
import {
  CompactSign,
  compactVerify,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
} from 'jose'

/**
 * The little of SD-JWT (RFC 9901) and Delegate SD-JWT that AP2 v0.2 mandates use: an
 * issuer-signed JWT whose `delegate_payload` hides the mandate behind an array-element
 * disclosure, and a key-binding SD-JWT (`typ: kb+sd-jwt`) that the agent signs with the key the
 * first names in `cnf`, over its own delegate payload. Chained as `<SD-JWT>~~<KB-SD-JWT>~`.
 * ES256 (P-256), as AP2's examples use, through `jose`.
 */

export type Json = Record<string, unknown>

/** A mandate key pair as JWKs; the private one stays with its holder. */
export interface MandateKeys {
  privateJwk: JWK
  publicJwk: JWK
}

export async function generateMandateKeys(): Promise<MandateKeys> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true })
  return { privateJwk: await exportJWK(privateKey), publicJwk: await exportJWK(publicKey) }
}

/** The public half of a private JWK. */
export function publicJwkOf(jwk: JWK): JWK {
  const { d: _secret, ...rest } = jwk
  return { kty: rest.kty, crv: rest.crv, x: rest.x, y: rest.y } as JWK
}

const b64 = (bytes: Uint8Array | string) => Buffer.from(bytes).toString('base64url')

/** base64url(sha-256(ascii)): a disclosure's digest and an SD-JWT's `sd_hash`. */
export function sdDigest(text: string): string {
  return b64(createHash('sha256').update(text, 'ascii').digest())
}

/** An array-element disclosure of `value`: base64url of `[salt, value]`. */
export function arrayDisclosure(value: unknown): string {
  return b64(JSON.stringify([b64(randomBytes(16)), value]))
}

async function sign(header: Json, payload: Json, privateJwk: JWK): Promise<string> {
  const key = await importJWK(privateJwk, 'ES256')
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256', ...header })
    .sign(key)
}

/**
 * An issuer-signed SD-JWT presenting `delegate` as its one disclosed delegate payload, with the
 * issuer's public key in the header (`jwk`), ending in `~`.
 */
export async function issueDelegateSdJwt(
  delegate: object,
  issuer: MandateKeys,
  claims: Json = {},
): Promise<string> {
  const disclosure = arrayDisclosure(delegate)
  const jwt = await sign(
    { typ: 'dc+sd-jwt', jwk: publicJwkOf(issuer.publicJwk) },
    {
      ...claims,
      iat: Math.floor(Date.now() / 1000),
      _sd_alg: 'sha-256',
      delegate_payload: [{ '...': sdDigest(disclosure) }],
    },
    issuer.privateJwk,
  )
  return `${jwt}~${disclosure}~`
}

/**
 * The next hop: a KB-SD-JWT over `previous` (an SD-JWT presentation ending in `~`), signed with
 * the key `previous` names in `cnf`, carrying `delegate`. Returns the whole chain.
 */
export async function delegate(
  previous: string,
  delegatePayload: object,
  holderPrivateJwk: JWK,
  binding: { aud: string; nonce: string },
): Promise<string> {
  const disclosure = arrayDisclosure(delegatePayload)
  const jwt = await sign(
    { typ: 'kb+sd-jwt' },
    {
      iat: Math.floor(Date.now() / 1000),
      aud: binding.aud,
      nonce: binding.nonce,
      sd_hash: sdDigest(previous),
      _sd_alg: 'sha-256',
      delegate_payload: [{ '...': sdDigest(disclosure) }],
    },
    holderPrivateJwk,
  )
  return `${previous}~${jwt}~${disclosure}~`
}

/** One verified hop of a chain: its header, claims and the delegate payload it disclosed. */
export interface VerifiedHop {
  header: Json
  claims: Json
  payload: Json
  /** The hop's presentation (JWT and disclosures, ending in `~`), as `sd_hash` covers it. */
  presentation: string
}

function malformed(message: string): TollgateError {
  return new TollgateError('MANDATE_MALFORMED', message)
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(text, 'base64url').toString('utf8'))
  } catch {
    throw malformed(`${what} is not base64url JSON`)
  }
}

/** The hops of `<SD-JWT>~~<KB-SD-JWT>~…`, each as its presentation string. */
export function splitChain(chain: string): string[] {
  if (typeof chain !== 'string' || chain.length > 64_000 || !chain.endsWith('~'))
    throw malformed('a mandate chain is a string of SD-JWTs, each ending in "~"')
  const hops = chain.slice(0, -1).split('~~')
  return hops.map((hop) => `${hop}~`)
}

/**
 * Resolves array-element disclosures (`{"...": digest}`) anywhere in `value`; every disclosure
 * given must be used at most once, and a digest with no disclosure is left out (undisclosed).
 */
function resolve(value: unknown, disclosed: Map<string, unknown>): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = []
    for (const item of value) {
      const digest = (item as { '...'?: unknown } | null)?.['...']
      if (
        item &&
        typeof item === 'object' &&
        typeof digest === 'string' &&
        Object.keys(item).length === 1
      ) {
        if (disclosed.has(digest)) out.push(resolve(disclosed.get(digest), disclosed))
        continue
      }
      out.push(resolve(item, disclosed))
    }
    return out
  }
  if (value && typeof value === 'object') {
    const out: Json = {}
    for (const [key, item] of Object.entries(value))
      if (key !== '_sd_alg') out[key] = resolve(item, disclosed)
    return out
  }
  return value
}

/** Verifies one hop's signature with `key` and discloses its delegate payload. */
async function verifyHop(
  presentation: string,
  key: JWK,
  typ: (value: unknown) => boolean,
): Promise<VerifiedHop> {
  const [jwt, ...rest] = presentation.slice(0, -1).split('~')
  if (jwt?.split('.').length !== 3) throw malformed('a mandate hop has no JWT')
  let header: Json
  try {
    header = decodeProtectedHeader(jwt) as Json
  } catch {
    throw malformed('a mandate hop has no readable header')
  }
  if (header.alg !== 'ES256')
    throw malformed(`mandate algorithm ${String(header.alg)} is not ES256`)
  if (!typ(header.typ)) throw malformed(`a mandate hop of unexpected type ${String(header.typ)}`)
  let claims: Json
  try {
    const verified = await compactVerify(jwt, await importJWK(key, 'ES256'))
    claims = JSON.parse(new TextDecoder().decode(verified.payload)) as Json
  } catch (error) {
    if (error instanceof TollgateError) throw error
    throw new TollgateError('MANDATE_SIGNATURE_INVALID', 'a mandate signature does not verify')
  }
  const disclosed = new Map<string, unknown>()
  for (const disclosure of rest) {
    const parsed = parseJson(disclosure, 'a disclosure')
    if (!Array.isArray(parsed) || parsed.length !== 2)
      throw malformed('a disclosure is not [salt, value]')
    disclosed.set(sdDigest(disclosure), parsed[1])
  }
  const payloads = resolve(claims.delegate_payload, disclosed)
  if (!Array.isArray(payloads) || payloads.length !== 1 || typeof payloads[0] !== 'object')
    throw malformed('a mandate hop must disclose exactly one delegate payload')
  return { header, claims, payload: payloads[0] as Json, presentation }
}

/** Verifies an open mandate on its own (the root hop): the wallet reads its mandate with it. */
export async function verifyRoot(presentation: string): Promise<VerifiedHop> {
  const hops = splitChain(presentation)
  if (hops.length !== 1) throw malformed('an open mandate is a single SD-JWT')
  return verifyRootHop(hops[0]!)
}

function verifyRootHop(presentation: string): Promise<VerifiedHop> {
  // The root's type is the issuer's (`dc+sd-jwt`, `example+sd-jwt`); the hop's is fixed.
  return verifyHop(
    presentation,
    decodeHeaderJwk(presentation),
    (value) => typeof value === 'string' && value.endsWith('sd-jwt') && !value.startsWith('kb+'),
  )
}

/**
 * Verifies a two-hop chain: the root with the key in its header (the caller decides whether to
 * trust it), the key-binding hop with the root's `cnf` key, and `sd_hash` linking them.
 */
export async function verifyChain(
  chain: string,
): Promise<{ root: VerifiedHop; closed: VerifiedHop }> {
  const hops = splitChain(chain)
  if (hops.length !== 2) throw malformed(`a payment mandate chain has two hops, not ${hops.length}`)
  const [first, second] = hops as [string, string]
  const root = await verifyRootHop(first)
  const cnf = (root.payload.cnf as { jwk?: JWK } | undefined)?.jwk
  if (!cnf) throw malformed('the open mandate names no agent key (cnf.jwk)')
  const closed = await verifyHop(second, cnf, (value) => value === 'kb+sd-jwt')
  if (closed.claims.sd_hash !== sdDigest(first))
    throw new TollgateError(
      'MANDATE_SIGNATURE_INVALID',
      'the closed mandate was not signed over this open mandate',
    )
  return { root, closed }
}

function decodeHeaderJwk(presentation: string): JWK {
  const jwt = presentation.split('~', 1)[0] ?? ''
  let header: Json
  try {
    header = decodeProtectedHeader(jwt) as Json
  } catch {
    throw malformed('the open mandate has no readable header')
  }
  const jwk = header.jwk as JWK | undefined
  if (jwk?.kty !== 'EC' || jwk.crv !== 'P-256')
    throw malformed('the open mandate names no P-256 issuer key (jwk)')
  return jwk
}

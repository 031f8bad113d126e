import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseStrictJson, reasonOf, TollgateError } from '@tollgate/core'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import type { Hex } from 'viem'
import { contentHash } from './feedbackFile.ts'

/** Largest registration or feedback file stored or read. @default 64 KiB */
export const contentBytesMax = 64 * 1024

const hashPattern = /^0x[0-9a-f]{64}$/

/** Files addressed by the keccak256 of their bytes (what ERC-8004 puts on chain as the hash). */
export interface ContentStore {
  put(bytes: Uint8Array): Promise<Hex>
  get(hash: Hex): Promise<Uint8Array | undefined>
}

/** In this process only, for tests and demos. */
export class MemoryContentStore implements ContentStore {
  readonly #files = new Map<string, Uint8Array>()

  async put(bytes: Uint8Array): Promise<Hex> {
    const hash = contentHash(bytes)
    this.#files.set(hash, bytes.slice())
    return hash
  }

  async get(hash: Hex): Promise<Uint8Array | undefined> {
    return this.#files.get(hash.toLowerCase())?.slice()
  }
}

/** One file per hash in `dir`, written to a temporary name first so a reader never sees half. */
export class FolderContentStore implements ContentStore {
  readonly #dir: string

  constructor(dir: string) {
    this.#dir = dir
  }

  async put(bytes: Uint8Array): Promise<Hex> {
    const hash = contentHash(bytes)
    await mkdir(this.#dir, { recursive: true })
    const path = join(this.#dir, `${hash}.json`)
    const temporary = `${path}.${process.pid}.${Date.now()}.tmp`
    await writeFile(temporary, bytes)
    await rename(temporary, path)
    return hash
  }

  async get(hash: Hex): Promise<Uint8Array | undefined> {
    if (!hashPattern.test(hash.toLowerCase())) return undefined
    try {
      return new Uint8Array(await readFile(join(this.#dir, `${hash.toLowerCase()}.json`)))
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
  }
}

/**
 * The HTTP face of a content store, to mount on the facilitator or an API: `POST /content` with a
 * JSON document stores it and answers `201 { uri, hash }`; `GET /content/<hash>.json` serves it.
 * Only JSON up to `bytesMax` is taken: it holds agents' files, not anything anyone uploads.
 */
export function contentRoutes(options: { store: ContentStore; bytesMax?: number }): Hono {
  const bytesMax = options.bytesMax ?? contentBytesMax
  const app = new Hono()
  app.post(
    '/content',
    bodyLimit({
      maxSize: bytesMax,
      onError: (c) =>
        c.json(
          {
            error: reasonOf('TRUST_CONTENT_TOO_LARGE'),
            message: `files are at most ${bytesMax} bytes`,
          },
          413,
        ),
    }),
    async (c) => {
      const bytes = new Uint8Array(await c.req.arrayBuffer())
      let text: string | undefined
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes)
      } catch {
        text = undefined
      }
      if (text === undefined || !parseStrictJson(text).ok)
        return c.json(
          { error: reasonOf('PAYLOAD_MALFORMED'), message: 'the body must be one JSON document' },
          400,
        )
      const hash = await options.store.put(bytes)
      const uri = `${new URL(c.req.url).origin}/content/${hash}.json`
      return c.json({ uri, hash }, 201)
    },
  )
  app.get('/content/:file', async (c) => {
    const match = /^(0x[0-9a-f]{64})\.json$/.exec(c.req.param('file'))
    const bytes = match ? await options.store.get(match[1] as Hex) : undefined
    if (!bytes)
      return c.json(
        { error: reasonOf('TRUST_CONTENT_NOT_FOUND'), message: 'no file with this hash' },
        404,
      )
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'content-type': 'application/json',
      'cache-control': 'public, max-age=31536000, immutable',
    })
  })
  return app
}

export interface FetchContentOptions {
  fetch?: typeof globalThis.fetch
  /** Base URL of an IPFS HTTP gateway (`https://ipfs.io`); without one, `ipfs://` is refused. */
  ipfsGateway?: string
  bytesMax?: number
  timeoutMs?: number
}

/**
 * The bytes behind a registration or feedback URI: `https://`, `http://`, `data:` (base64 or
 * percent-encoded) and, with a gateway, `ipfs://`.
 * @throws TollgateError `TRUST_CONTENT_URI_UNSUPPORTED`, `TRUST_CONTENT_UNAVAILABLE` (with the
 * status or the cause), `TRUST_CONTENT_TOO_LARGE`.
 */
export async function fetchContent(
  uri: string,
  options: FetchContentOptions = {},
): Promise<Uint8Array> {
  const bytesMax = options.bytesMax ?? contentBytesMax
  if (uri.startsWith('data:')) return sized(dataUriBytes(uri), bytesMax, uri)
  let url = uri
  if (uri.startsWith('ipfs://')) {
    if (!options.ipfsGateway)
      throw new TollgateError(
        'TRUST_CONTENT_URI_UNSUPPORTED',
        `${uri}: reading ipfs:// needs an IPFS gateway (ipfsGateway)`,
      )
    url = `${options.ipfsGateway.replace(/\/+$/, '')}/ipfs/${uri.slice('ipfs://'.length)}`
  } else if (!/^https?:\/\//.test(uri)) {
    throw new TollgateError(
      'TRUST_CONTENT_URI_UNSUPPORTED',
      `${uri}: only https, http, data and ipfs URIs are read`,
    )
  }
  let response: Response
  try {
    response = await (options.fetch ?? globalThis.fetch)(url, {
      signal: AbortSignal.timeout(options.timeoutMs ?? 5_000),
      redirect: 'follow',
    })
  } catch (error) {
    throw new TollgateError(
      'TRUST_CONTENT_UNAVAILABLE',
      `${url} could not be fetched: ${(error as Error).message}`,
      { cause: error },
    )
  }
  if (!response.ok)
    throw new TollgateError('TRUST_CONTENT_UNAVAILABLE', `${url} answered ${response.status}`)
  const declared = Number(response.headers.get('content-length') ?? 0)
  if (declared > bytesMax) throw tooLarge(url, bytesMax)
  return sized(new Uint8Array(await response.arrayBuffer()), bytesMax, url)
}

/** Stores `bytes` through a content store's HTTP face; returns the URI it is served at. */
export async function publishContent(
  storeUrl: string,
  bytes: Uint8Array,
  fetcher: typeof globalThis.fetch = globalThis.fetch,
): Promise<{ uri: string; hash: Hex }> {
  const url = `${storeUrl.replace(/\/+$/, '')}/content`
  let response: Response
  try {
    response = await fetcher(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: bytes as Uint8Array<ArrayBuffer>,
    })
  } catch (error) {
    throw new TollgateError(
      'TRUST_CONTENT_UNAVAILABLE',
      `the content store at ${url} could not be reached: ${(error as Error).message}`,
      { cause: error },
    )
  }
  if (response.status !== 201)
    throw new TollgateError(
      'TRUST_CONTENT_UNAVAILABLE',
      `the content store at ${url} answered ${response.status}: ${await response.text()}`,
    )
  return (await response.json()) as { uri: string; hash: Hex }
}

function dataUriBytes(uri: string): Uint8Array {
  const comma = uri.indexOf(',')
  if (comma < 0) throw new TollgateError('TRUST_CONTENT_URI_UNSUPPORTED', 'a data URI without data')
  const meta = uri.slice('data:'.length, comma)
  const data = uri.slice(comma + 1)
  try {
    if (meta.endsWith(';base64')) return Uint8Array.from(atob(data), (char) => char.charCodeAt(0))
    return new TextEncoder().encode(decodeURIComponent(data))
  } catch {
    throw new TollgateError(
      'TRUST_CONTENT_URI_UNSUPPORTED',
      `a data URI whose data is not ${meta.endsWith(';base64') ? 'base64' : 'percent-encoded'}`,
    )
  }
}

function sized(bytes: Uint8Array, bytesMax: number, where: string): Uint8Array {
  if (bytes.byteLength > bytesMax) throw tooLarge(where, bytesMax)
  return bytes
}

function tooLarge(where: string, bytesMax: number): TollgateError {
  return new TollgateError(
    'TRUST_CONTENT_TOO_LARGE',
    `${where.slice(0, 120)} is larger than ${bytesMax} bytes`,
  )
}

/**
 * The JSON-RPC 2.0 envelope of the Solana devnet endpoint, as a Hono app: body limit, parsing,
 * batches, dispatch and serialization. Methods are plain synchronous functions, so a request (or
 * a whole batch) runs between two blocks, never across one.
 * @module
 */
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { type Params, RPC_ERROR, RpcError, readParams } from './rpcParams.ts'

/** One RPC method: positional params in, a JSON-ready result out (bigints allowed). */
export type RpcMethod = (params: Params) => unknown

/** Solana's own limit on a request body (MAX_REQUEST_BODY_SIZE). */
export const RPC_BODY_BYTES_MAX = 50 * 1024

/** The most requests one batch may hold. */
export const RPC_BATCH_MAX = 100

type RequestId = string | number | null

/** The Solana version this devnet's RPC answers as (litesvm 1.5 runs Agave 3.x programs). */
export const SOLANA_API_VERSION = '3.0.0'

/** Wraps a value in Solana's `{context:{apiVersion, slot}, value}` response shape. */
export function withContext(slot: bigint, value: unknown): unknown {
  return { context: { apiVersion: SOLANA_API_VERSION, slot }, value }
}

/**
 * A Hono app answering JSON-RPC POSTs on `/` with `methods`.
 * @example
 * const app = createRpcApp(new Map([['getHealth', () => 'ok']]))
 * const response = await app.request('/', { method: 'POST', body: '{"jsonrpc":"2.0","id":1,"method":"getHealth"}' })
 */
export function createRpcApp(methods: ReadonlyMap<string, RpcMethod>): Hono {
  const app = new Hono()
  app.post(
    '/',
    bodyLimit({
      maxSize: RPC_BODY_BYTES_MAX,
      onError: () => jsonResponse(errorEnvelope(null, tooLarge()), 413),
    }),
    async (context) => jsonResponse(answerRpcBody(await context.req.text(), methods), 200),
  )
  return app
}

/** The answer to one request body: an envelope, or an array of them for a batch. */
export function answerRpcBody(body: string, methods: ReadonlyMap<string, RpcMethod>): unknown {
  let request: unknown
  try {
    request = JSON.parse(body)
  } catch {
    return errorEnvelope(null, new RpcError(RPC_ERROR.PARSE_ERROR, 'Parse error'))
  }
  if (!Array.isArray(request)) return answerRequest(request, methods)
  if (request.length === 0) {
    return errorEnvelope(null, new RpcError(RPC_ERROR.INVALID_REQUEST, 'Invalid request'))
  }
  if (request.length > RPC_BATCH_MAX) {
    const message = `Invalid request: a batch may hold at most ${RPC_BATCH_MAX} requests`
    return errorEnvelope(null, new RpcError(RPC_ERROR.INVALID_REQUEST, message))
  }
  return request.map((item: unknown) => answerRequest(item, methods))
}

function answerRequest(request: unknown, methods: ReadonlyMap<string, RpcMethod>): unknown {
  const invalid = new RpcError(RPC_ERROR.INVALID_REQUEST, 'Invalid request')
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    return errorEnvelope(null, invalid)
  }
  const fields = new Map(Object.entries(request))
  const id = fields.get('id')
  // A request without an id is a notification; it is answered anyway (with id null), so that
  // every body gets a reply.
  if (id !== undefined && id !== null && typeof id !== 'string' && typeof id !== 'number') {
    return errorEnvelope(null, invalid)
  }
  const requestId: RequestId = id ?? null
  const method = fields.get('method')
  if (fields.get('jsonrpc') !== '2.0' || typeof method !== 'string') {
    return errorEnvelope(requestId, invalid)
  }
  const handler = methods.get(method)
  if (handler === undefined) {
    return errorEnvelope(requestId, new RpcError(RPC_ERROR.METHOD_NOT_FOUND, 'Method not found'))
  }
  try {
    return { jsonrpc: '2.0', result: handler(readParams(fields.get('params'))), id: requestId }
  } catch (error) {
    if (error instanceof RpcError) return errorEnvelope(requestId, error)
    const detail = error instanceof Error ? error.message : String(error)
    return errorEnvelope(
      requestId,
      new RpcError(RPC_ERROR.INTERNAL_ERROR, `Internal error: ${detail}`),
    )
  }
}

function errorEnvelope(id: RequestId, error: RpcError): unknown {
  const body =
    error.data === undefined
      ? { code: error.code, message: error.message }
      : { code: error.code, message: error.message, data: error.data }
  return { jsonrpc: '2.0', error: body, id }
}

function tooLarge(): RpcError {
  const message = `Invalid request: body larger than ${RPC_BODY_BYTES_MAX} bytes`
  return new RpcError(RPC_ERROR.INVALID_REQUEST, message)
}

function jsonResponse(value: unknown, status: number): Response {
  return new Response(toJson(value), { status, headers: { 'content-type': 'application/json' } })
}

/**
 * JSON.stringify that writes bigints as plain JSON numbers, exactly (u64 values such as
 * `rentEpoch` exceed 2^53), and drops undefined fields.
 */
export function toJson(value: unknown): string {
  if (typeof value === 'bigint') return value.toString()
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(toJson).join(',')}]`
  const fields: string[] = []
  for (const [key, field] of Object.entries(value)) {
    if (field !== undefined) fields.push(`${JSON.stringify(key)}:${toJson(field)}`)
  }
  return `{${fields.join(',')}}`
}

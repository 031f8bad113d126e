/**
 * A JSON-RPC proxy for chain tests that loses, delays, duplicates or fails calls on purpose, so a
 * test can show that lost, late or repeated RPC answers never make a facilitator pay twice. It
 * forwards POST bodies byte for byte to an upstream node (anvil), applies at most one fault per
 * HTTP request, chosen by rules, and logs every call. Node built-ins only.
 *
 * Batches: a rule applies when any call of the batch matches it, and its fault then applies to the
 * whole batch (one HTTP request is one unit on the wire: it is lost, late or doubled as a whole).
 * @module
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { setTimeout as sleep } from 'node:timers/promises'

/** What the proxy does to an HTTP request that a rule selects. */
export type RpcFault =
  /**
   * Forward upstream, so the call takes effect, then never answer. `destroy` closes the client's
   * socket at once; `hang` leaves it open until the client gives up or the proxy closes.
   */
  | { kind: 'drop-response'; mode: 'destroy' | 'hang' }
  /** Do not forward (the call has no effect) and destroy the client's socket. */
  | { kind: 'drop-request' }
  /** Forward, then answer `delayMs` after upstream's answer arrived. */
  | { kind: 'delay'; delayMs: number }
  /** Forward twice, one after the other; answer with the first answer once both are back. */
  | { kind: 'duplicate' }
  /** Do not forward; answer with this HTTP status (400..599, e.g. 502 or 503) and no body. */
  | { kind: 'error'; status: number }
  /** Do not forward; answer HTTP 200 with this JSON-RPC error for every call in the body. */
  | { kind: 'error'; rpcError: { code: number; message: string } }

/** When to apply a fault. Rules are tried in order; the first that applies wins. */
export type RpcFaultRule = {
  /** The JSON-RPC method or methods the rule is for. */
  method: string | readonly string[]
  fault: RpcFault
  /**
   * Chance (0..1) that a matching request gets the fault, drawn from the proxy's seeded RNG. A
   * request the draw spares is offered to the next rules.
   * @default 1
   */
  probability?: number
  /**
   * Apply the fault at most this many times; without it, no limit. Without `probability` these are
   * the first `times` matching requests; with it, `times` caps how often the draw hits.
   */
  times?: number
}

/** One request the proxy sent upstream. */
export type RpcUpstreamSend = {
  /** HTTP status of upstream's answer; `null` when no answer came (refused, timed out, closed). */
  status: number | null
  /** `message` of each JSON-RPC error in the answer, or why no answer came. Empty on success. */
  errors: string[]
}

/** One HTTP request the proxy received. */
export type RpcCall = {
  /** 1, 2, 3… in order of arrival. */
  seq: number
  /** The method of each JSON-RPC call in the body: one, several for a batch, none if not JSON. */
  methods: string[]
  batch: boolean
  /** `params` of each call as JSON, cut to 120 characters. */
  params: string[]
  /** The fault applied, or `null` when the request passed through. */
  fault: RpcFault | null
  /** Each request sent upstream: none (dropped request, error fault), one, or two (duplicate). */
  upstream: RpcUpstreamSend[]
}

export type RpcProxyOptions = {
  /** JSON-RPC endpoint to forward to, e.g. `anvil.rpcUrl`. */
  upstreamUrl: string
  /** @default [] */
  rules?: readonly RpcFaultRule[]
  /**
   * Seed of the RNG behind `probability`: the same seed and the same calls give the same faults.
   * @default 1
   */
  seed?: number
  /** Port on 127.0.0.1. @default 0 (a free port) */
  port?: number
  /** Limit on each upstream request. @default 10_000 */
  upstreamTimeoutMs?: number
  /** Largest request body accepted; a larger one is refused with 413. @default 1_048_576 */
  bodyBytesMax?: number
}

export type RpcProxy = {
  /** e.g. `http://127.0.0.1:41233` */
  url: string
  /** Replaces all rules; their `times` counts start afresh. The RNG stream carries on. */
  setRules(rules: readonly RpcFaultRule[]): void
  clearRules(): void
  /** A copy of the log, oldest first. */
  calls(): RpcCall[]
  /**
   * Stops listening, destroys every connection (hung ones included) and abandons pending upstream
   * requests and delays. Safe to call more than once.
   */
  close(): Promise<void>
}

type ActiveRule = { rule: RpcFaultRule; methods: ReadonlySet<string>; remaining: number }

type ProxyState = {
  upstreamUrl: string
  upstreamTimeoutMs: number
  bodyBytesMax: number
  random: () => number
  rules: ActiveRule[]
  log: RpcCall[]
  closing: AbortController
}

type JsonRpcBody = { batch: boolean; items: Record<string, unknown>[] }

type UpstreamAnswer = { status: number; contentType: string; body: Buffer }

/** One HTTP request in flight, with its log entry. */
type Exchange = {
  call: RpcCall
  body: Buffer
  parsed: JsonRpcBody
  request: IncomingMessage
  response: ServerResponse
}

const PARAMS_CHARS_MAX = 120
const DELAY_MS_MAX = 60_000

/**
 * Starts the proxy and resolves once it listens.
 * @throws Error when an option or rule is out of range.
 * @example
 * const proxy = await startRpcProxy({ upstreamUrl: anvil.rpcUrl, seed: 7 })
 * proxy.setRules([{ method: 'eth_sendRawTransaction', fault: { kind: 'duplicate' } }])
 * const client = createPublicClient({ transport: http(proxy.url, { retryCount: 0 }) })
 */
export async function startRpcProxy(options: RpcProxyOptions): Promise<RpcProxy> {
  const state = createState(options)
  const server = createServer((request, response) => {
    handleRequest(state, request, response).catch(() => response.destroy())
  })
  server.listen(options.port ?? 0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  // listen() on a host and port always yields an AddressInfo; a string is for pipes.
  check(typeof address === 'object' && address !== null, 'the server has no TCP address')
  let closed: Promise<void> | undefined
  return {
    url: `http://127.0.0.1:${address.port}`,
    setRules: (rules) => {
      state.rules = rules.map(activateRule)
    },
    clearRules: () => {
      state.rules = []
    },
    calls: () => structuredClone(state.log),
    close: () => {
      closed ??= new Promise<void>((resolve, reject) => {
        state.closing.abort()
        server.close((error) => (error ? reject(error) : resolve()))
        server.closeAllConnections()
      })
      return closed
    },
  }
}

function createState(options: RpcProxyOptions): ProxyState {
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? 10_000
  const bodyBytesMax = options.bodyBytesMax ?? 1_048_576
  const seed = options.seed ?? 1
  const protocol = new URL(options.upstreamUrl).protocol
  check(protocol === 'http:' || protocol === 'https:', 'upstreamUrl must be http(s)')
  check(isInteger(options.port ?? 0, 0, 65_535), 'port must be an integer in [0, 65535]')
  check(isInteger(upstreamTimeoutMs, 1, 600_000), 'upstreamTimeoutMs must be in [1, 600000]')
  check(isInteger(bodyBytesMax, 1, 2 ** 30), 'bodyBytesMax must be an integer in [1, 2^30]')
  check(isInteger(seed, 0, 2 ** 32 - 1), 'seed must be an integer in [0, 2^32 - 1]')
  return {
    upstreamUrl: options.upstreamUrl,
    upstreamTimeoutMs,
    bodyBytesMax,
    random: seededRandom(seed),
    rules: (options.rules ?? []).map(activateRule),
    log: [],
    closing: new AbortController(),
  }
}

/** Checks a rule up front, so a typo fails the test that wrote it rather than passing silently. */
function activateRule(rule: RpcFaultRule): ActiveRule {
  const methods = typeof rule.method === 'string' ? [rule.method] : [...rule.method]
  check(methods.length > 0 && methods.every((method) => method !== ''), 'rule needs a method')
  const { probability, times, fault } = rule
  check(
    probability === undefined || (probability >= 0 && probability <= 1),
    `probability must be in [0, 1], got ${probability}`,
  )
  check(
    times === undefined || isInteger(times, 0, Number.MAX_SAFE_INTEGER),
    `times must be a non-negative integer, got ${times}`,
  )
  if (fault.kind === 'delay') {
    check(isInteger(fault.delayMs, 0, DELAY_MS_MAX), `delayMs must be in [0, ${DELAY_MS_MAX}]`)
  }
  if (fault.kind === 'drop-response') {
    check(fault.mode === 'destroy' || fault.mode === 'hang', `unknown mode ${fault.mode}`)
  }
  if (fault.kind === 'error' && 'status' in fault) {
    check(isInteger(fault.status, 400, 599), `status must be in [400, 599], got ${fault.status}`)
  }
  return { rule, methods: new Set(methods), remaining: times ?? Number.POSITIVE_INFINITY }
}

async function handleRequest(
  state: ProxyState,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  if (request.method !== 'POST') {
    response.writeHead(405, { allow: 'POST' }).end()
    return
  }
  const body = await readBody(request, state.bodyBytesMax)
  if (body === undefined) {
    response.writeHead(413, { connection: 'close' }).end()
    return
  }
  const parsed = parseJsonRpc(body)
  const call: RpcCall = {
    seq: state.log.length + 1,
    methods: parsed.items.map((item) => (typeof item.method === 'string' ? item.method : '?')),
    batch: parsed.batch,
    params: parsed.items.map((item) => summarize(item.params)),
    fault: null,
    upstream: [],
  }
  state.log.push(call)
  call.fault = chooseFault(state, call.methods)
  await applyFault(state, { call, body, parsed, request, response })
}

function chooseFault(state: ProxyState, methods: readonly string[]): RpcFault | null {
  for (const active of state.rules) {
    if (active.remaining <= 0) continue
    if (!methods.some((method) => active.methods.has(method))) continue
    const { probability } = active.rule
    // Draw only for rules with a probability, so adding a plain rule does not shift the stream.
    if (probability !== undefined && !(state.random() < probability)) continue
    active.remaining--
    return active.rule.fault
  }
  return null
}

async function applyFault(state: ProxyState, exchange: Exchange): Promise<void> {
  const { call, request, response } = exchange
  const fault = call.fault
  if (fault === null) return reply(response, await forward(state, exchange))
  switch (fault.kind) {
    case 'drop-request':
      request.socket.destroy()
      return
    case 'drop-response':
      await forward(state, exchange)
      // `hang`: leave the response open; close() or the client's own timeout ends it.
      if (fault.mode === 'destroy') request.socket.destroy()
      return
    case 'delay': {
      const answer = await forward(state, exchange)
      await sleep(fault.delayMs, undefined, { signal: state.closing.signal })
      return reply(response, answer)
    }
    case 'duplicate': {
      const first = await forward(state, exchange)
      await forward(state, exchange)
      return reply(response, first)
    }
    case 'error':
      if ('status' in fault) {
        response.writeHead(fault.status).end()
        return
      }
      return replyRpcError(response, exchange.parsed, fault.rpcError)
  }
}

/** Sends `body` upstream unchanged and logs the outcome; `undefined` when no answer came. */
async function forward(state: ProxyState, exchange: Exchange): Promise<UpstreamAnswer | undefined> {
  const { call, body } = exchange
  const signal = AbortSignal.any([
    state.closing.signal,
    AbortSignal.timeout(state.upstreamTimeoutMs),
  ])
  try {
    const answer = await fetch(state.upstreamUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(body),
      signal,
    })
    const bytes = Buffer.from(await answer.arrayBuffer())
    call.upstream.push({ status: answer.status, errors: rpcErrorMessages(bytes) })
    const contentType = answer.headers.get('content-type') ?? 'application/json'
    return { status: answer.status, contentType, body: bytes }
  } catch (error) {
    call.upstream.push({ status: null, errors: [String(error)] })
    return undefined
  }
}

function reply(response: ServerResponse, answer: UpstreamAnswer | undefined): void {
  if (answer === undefined) {
    response.writeHead(502, { 'content-type': 'text/plain' }).end('rpcProxy: upstream failed')
    return
  }
  response.writeHead(answer.status, { 'content-type': answer.contentType }).end(answer.body)
}

function replyRpcError(
  response: ServerResponse,
  parsed: JsonRpcBody,
  error: { code: number; message: string },
): void {
  const answers = parsed.items.map((item) => ({ jsonrpc: '2.0', id: item.id ?? null, error }))
  const single = answers[0] ?? { jsonrpc: '2.0', id: null, error }
  const json = JSON.stringify(parsed.batch ? answers : single)
  response.writeHead(200, { 'content-type': 'application/json' }).end(json)
}

/** The body, or `undefined` once it grows past `bytesMax`. */
async function readBody(request: IncomingMessage, bytesMax: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of request) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk))
    size += bytes.length
    if (size > bytesMax) return undefined
    chunks.push(bytes)
  }
  return Buffer.concat(chunks)
}

/** The calls in a body; none when it is not JSON-RPC (it is still forwarded as it is). */
function parseJsonRpc(body: Buffer): JsonRpcBody {
  let json: unknown
  try {
    json = JSON.parse(body.toString('utf8'))
  } catch {
    return { batch: false, items: [] }
  }
  if (Array.isArray(json)) return { batch: true, items: json.filter(isRecord) }
  return { batch: false, items: isRecord(json) ? [json] : [] }
}

function rpcErrorMessages(body: Buffer): string[] {
  const { items } = parseJsonRpc(body)
  return items.flatMap((item) => {
    if (!isRecord(item.error)) return []
    return [
      typeof item.error.message === 'string' ? item.error.message : JSON.stringify(item.error),
    ]
  })
}

function summarize(params: unknown): string {
  const json = params === undefined ? '' : JSON.stringify(params)
  return json.length > PARAMS_CHARS_MAX ? `${json.slice(0, PARAMS_CHARS_MAX - 1)}…` : json
}

/** xorshift32 (Marsaglia, 2003) over a scrambled seed: reproducible numbers in [0, 1). */
function seededRandom(seed: number): () => number {
  let value = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) >>> 0 || 0x6d2b79f5
  return () => {
    value = (value ^ (value << 13)) >>> 0
    value = (value ^ (value >>> 17)) >>> 0
    value = (value ^ (value << 5)) >>> 0
    return value / 2 ** 32
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isInteger(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max
}

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`startRpcProxy: ${message}`)
}

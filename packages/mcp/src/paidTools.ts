import type {
  McpServer,
  RegisteredTool,
  ToolCallback,
} from '@modelcontextprotocol/sdk/server/mcp.js'
import type { AnySchema, ZodRawShapeCompat } from '@modelcontextprotocol/sdk/server/zod-compat.js'
import type { CallToolResult, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js'
import {
  bazaarKey,
  decodePaymentRequiredHeader,
  decodePaymentResponseHeader,
  encodeJsonHeader,
  type FacilitatorClient,
  isTollgateError,
  type PaymentRequired,
  type Price,
  paymentHeaders,
  type ResponseStore,
  reasonOf,
  type SchemeServer,
  type SettleResponse,
} from '@tollgate/core'
import {
  FolderResponseStore,
  failedHandler,
  type GateResponse,
  PaymentGate,
  type PaymentOption,
} from '@tollgate/server'
import {
  mcpPaymentResponseMetaKey,
  paymentRequiredResult,
  readPaymentMeta,
} from './paymentResults.ts'
import { inputJsonSchema, type ToolDiscovery, toolBazaarDeclaration } from './toolDiscovery.ts'

export interface PaidToolsOptions {
  /** A facilitator client, or the URL of one. */
  facilitator: FacilitatorClient | { url: string }
  /** Scheme servers that turn prices into requirements, e.g. `exactEvmServer()`. */
  schemes: readonly SchemeServer[]
  /** Defaults for every tool's price: the network (CAIP-2) and the address paid. */
  network?: string
  payTo?: string
  /**
   * The URL buyers reach this server at, e.g. `https://tools.example/mcp`: the payment's
   * resource, and what a discovery catalogue lists. Without it a tool's resource is
   * `mcp://tool/<name>`, as in the x402 MCP transport's examples.
   */
  serverUrl?: string
  /** How buyers reach `serverUrl`, published in the discovery declaration. */
  transport?: 'streamable-http' | 'sse'
  /**
   * What has been done with each payment, and the results released. Pass the store of the HTTP
   * gates that sell the same things (`PaymentGateOptions.store`), so a payment serves a route or
   * a tool, once, and a retried call with the same payment-identifier id gets the stored result.
   * @default a `FolderResponseStore` in `<os.tmpdir()>/tollgate-responses`
   */
  store?: ResponseStore | undefined
  /**
   * How long a call being served stays this process's without a renewal; once it runs out the
   * process is taken for dead and the same payment for the same tool finishes it.
   * @default 4000 (`PaymentGateOptions.leaseMs`)
   */
  leaseMs?: number | undefined
}

/** What a tool costs: one price on the defaults, or explicit payment options. */
export type ToolPricing = (
  | { price: Price; network?: string; payTo?: string; maxTimeoutSeconds?: number }
  | { accepts: PaymentOption[] }
) & {
  mimeType?: string
  /** Publish the tool in discovery catalogues (the `bazaar` extension). @default true */
  discovery?: ToolDiscovery | false
}

export interface ToolConfig<InputArgs extends undefined | ZodRawShapeCompat | AnySchema> {
  title?: string
  description?: string
  inputSchema?: InputArgs
  annotations?: ToolAnnotations
}

export interface PaidTools {
  /**
   * `McpServer.registerTool` with a price: the tool runs only for a payment the facilitator
   * verified, the payment settles only when the tool succeeded, and a result whose payment
   * did not settle is withheld. A stateless HTTP server that builds an `McpServer` per request
   * registers its tools on each one: the payment state of a tool (which payments were used) is
   * kept here, per tool name, so it is priced by its first registration.
   */
  registerTool<InputArgs extends undefined | ZodRawShapeCompat | AnySchema = undefined>(
    server: McpServer,
    name: string,
    config: ToolConfig<InputArgs>,
    pricing: ToolPricing,
    handler: ToolCallback<InputArgs>,
  ): RegisteredTool
}

/** Prices tools on MCP servers built with `@modelcontextprotocol/sdk`, per the x402 MCP transport. */
export function paidTools(options: PaidToolsOptions): PaidTools {
  const tools = new Map<string, PaidTool>()
  // Every tool is its own route, but a payment must not buy two tools: one store for them all.
  const shared = { ...options, store: options.store ?? new FolderResponseStore() }
  return {
    registerTool<InputArgs extends undefined | ZodRawShapeCompat | AnySchema = undefined>(
      server: McpServer,
      name: string,
      config: ToolConfig<InputArgs>,
      pricing: ToolPricing,
      handler: ToolCallback<InputArgs>,
    ): RegisteredTool {
      let paid = tools.get(name)
      if (!paid) {
        paid = new PaidTool(name, config, pricing, shared)
        tools.set(name, paid)
      }
      const tool = paid
      // The SDK calls a tool with (args, extra), or (extra) when it takes no arguments.
      const run = handler as (...params: unknown[]) => CallToolResult | Promise<CallToolResult>
      const wrapped = (async (...params: unknown[]) => {
        const extra = params[params.length - 1] as { _meta?: Record<string, unknown> }
        return tool.call(extra._meta, () => run(...params))
      }) as ToolCallback<InputArgs>
      return server.registerTool<ZodRawShapeCompat, InputArgs>(name, config, wrapped)
    },
  }
}

/**
 * Each tool is a route of its own (`POST /tools/<name>`), so a stored result is replayed only
 * for the tool it came from. Characters a route pattern would read are written as `~hex`.
 */
function toolPathOf(name: string): string {
  return `/tools/${name.replace(/[^A-Za-z0-9_.-]/g, (char) => `~${char.charCodeAt(0).toString(16)}`)}`
}

/** One priced tool: its payment gate (verify, settle, replay) and its payment request. */
class PaidTool {
  readonly #gate: PaymentGate
  readonly #path: string
  readonly #resource: string
  readonly #bazaar: Record<string, unknown> | undefined

  constructor(
    name: string,
    config: ToolConfig<undefined | ZodRawShapeCompat | AnySchema>,
    pricing: ToolPricing,
    options: PaidToolsOptions,
  ) {
    const accepts = 'accepts' in pricing ? pricing.accepts : [priceOption(name, pricing, options)]
    this.#path = toolPathOf(name)
    // The HTTP gate holds the one money path (verify, settle once, replay guard): a tool call
    // goes through it as a request to a route of its own.
    this.#gate = new PaymentGate({
      routes: {
        [`POST ${this.#path}`]: {
          accepts,
          ...(config.description ? { description: config.description } : {}),
          mimeType: pricing.mimeType ?? 'application/json',
        },
      },
      facilitator: options.facilitator,
      schemes: options.schemes,
      store: options.store,
      leaseMs: options.leaseMs,
    })
    this.#resource = options.serverUrl ?? `mcp://tool/${encodeURIComponent(name)}`
    this.#bazaar =
      pricing.discovery === false
        ? undefined
        : toolBazaarDeclaration(
            name,
            config.description,
            inputJsonSchema(config.inputSchema),
            options.serverUrl ? (options.transport ?? 'streamable-http') : undefined,
            pricing.discovery ?? {},
          )
  }

  async call(
    meta: Record<string, unknown> | undefined,
    run: () => CallToolResult | Promise<CallToolResult>,
  ): Promise<CallToolResult> {
    let payment: unknown
    try {
      payment = readPaymentMeta(meta)
    } catch (error) {
      if (!isTollgateError(error)) throw error
      return this.#refusal({ ...this.#offered(), error: error.reason }, error.message)
    }
    const header = payment === undefined ? undefined : encodeJsonHeader(payment)
    const decision = await this.#gate.begin({
      method: 'POST',
      path: this.#path,
      url: this.#resource,
      header: (name) => (name === paymentHeaders.signature ? header : undefined),
    })
    if (decision.kind === 'pass') throw new Error('a paid tool always has a route')
    if (decision.kind === 'respond') {
      // A success the gate answers itself is the stored result of this same payment, replayed.
      if (decision.response.status < 300) return withReceipt(decision.response)
      return this.#resultOf(decision.response)
    }
    let result: CallToolResult
    try {
      result = await run()
    } catch (error) {
      // The tool failed: nothing is charged, and the buyer may use the payment again.
      await decision.finish(failedHandler())
      throw error
    }
    const finished = await decision.finish({
      status: result.isError ? 500 : 200,
      headers: { 'content-type': 'application/json' },
      body: new TextEncoder().encode(JSON.stringify(result)),
    })
    if (finished.kind === 'respond') return this.#resultOf(finished.response)
    return withReceipt({ status: 200, headers: finished.headers, body: JSON.stringify(result) })
  }

  /**
   * The gate's refusal as a tool result: a payment request carrying the reason (and the receipt
   * of a failed settlement), never the tool's content.
   */
  #resultOf(response: GateResponse): CallToolResult {
    const receipt = receiptOf(response.headers)
    const body = parseBody(textOf(response.body))
    const required = this.#paymentRequired(response, body, receipt)
    const message = typeof body.message === 'string' ? body.message : undefined
    return this.#refusal(required, message, receipt)
  }

  #refusal(required: PaymentRequired, message?: string, receipt?: SettleResponse): CallToolResult {
    const result = paymentRequiredResult(this.#withBazaar(required))
    if (message) result.content.push({ type: 'text', text: message })
    if (receipt) result._meta = { [mcpPaymentResponseMetaKey]: receipt }
    return result
  }

  #withBazaar(required: PaymentRequired): PaymentRequired {
    if (!this.#bazaar) return required
    return { ...required, extensions: { ...required.extensions, [bazaarKey]: this.#bazaar } }
  }

  #paymentRequired(
    response: GateResponse,
    body: Record<string, unknown>,
    receipt: SettleResponse | undefined,
  ): PaymentRequired {
    const header = headerOf(response.headers, paymentHeaders.required)
    const base = header ? decodePaymentRequiredHeader(header) : this.#offered()
    const error =
      receipt?.errorReason ??
      (header ? base.error : typeof body.error === 'string' ? body.error : undefined) ??
      reasonOf('SETTLE_UNEXPECTED')
    return { ...base, error }
  }

  #offered(): PaymentRequired {
    const offered = this.#gate.paymentRequired({
      method: 'POST',
      path: this.#path,
      url: this.#resource,
    })
    if (!offered) throw new Error('a paid tool always has a route')
    return offered
  }
}

function priceOption(
  name: string,
  pricing: { price: Price; network?: string; payTo?: string; maxTimeoutSeconds?: number },
  options: PaidToolsOptions,
): PaymentOption {
  const network = pricing.network ?? options.network
  const payTo = pricing.payTo ?? options.payTo
  if (!network || !payTo)
    throw new Error(`paid tool ${name}: give a network and payTo, for the tool or for all tools`)
  return {
    price: pricing.price,
    network,
    payTo,
    ...(pricing.maxTimeoutSeconds === undefined
      ? {}
      : { maxTimeoutSeconds: pricing.maxTimeoutSeconds }),
  }
}

function headerOf(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase()
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value
  return undefined
}

/** The settlement receipt the gate put in a `PAYMENT-RESPONSE` (or v1 `X-PAYMENT-RESPONSE`) header. */
function receiptOf(headers: Record<string, string>): SettleResponse | undefined {
  const value =
    headerOf(headers, paymentHeaders.response) ?? headerOf(headers, paymentHeaders.v1Response)
  if (value === undefined) return undefined
  try {
    return decodePaymentResponseHeader(value)
  } catch {
    return undefined
  }
}

/** A tool result as released: its content, with the receipt in `_meta` when there is one. */
function withReceipt(response: GateResponse): CallToolResult {
  const result = parseBody(textOf(response.body)) as CallToolResult
  const receipt = receiptOf(response.headers)
  if (!receipt) return result
  return { ...result, _meta: { ...result._meta, [mcpPaymentResponseMetaKey]: receipt } }
}

function textOf(body: string | Uint8Array): string {
  return typeof body === 'string' ? body : new TextDecoder().decode(body)
}

function parseBody(body: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(body)
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

import {
  A2A_VERSION_HEADER,
  AGENT_CARD_PATH,
  AgentCard,
  Extensions,
  HTTP_EXTENSION_HEADER,
} from '@a2a-js/sdk'
import { LEGACY_HTTP_EXTENSION_HEADER } from '@a2a-js/sdk/compat/v0_3'
import { LegacyJsonRpcTransportHandler } from '@a2a-js/sdk/compat/v0_3/server'
import {
  type A2ARequestHandler,
  defaultServerCallContextBuilder,
  JsonRpcTransportHandler,
  type ServerCallContextBuilder,
  UnauthenticatedUser,
  validateVersion,
} from '@a2a-js/sdk/server'
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { isX402ExtensionUri, x402ExtensionUri } from './x402Extension.ts'

const legacyVersion = '0.3'

export interface A2aHonoOptions {
  /** Where the JSON-RPC endpoint is mounted. @default '/' */
  path?: string
}

/**
 * An A2A server on Hono: the agent card at `/.well-known/agent-card.json` and the JSON-RPC
 * binding, in A2A v1.0 and (for a request without `A2A-Version`, as the spec says) v0.3, over
 * the SDK's own transport handlers. The card is served in v1.0 form with the v0.3 fields
 * beside it (`url`, `protocolVersion`, `preferredTransport`), so clients of either version read it.
 */
export function a2aHono(requestHandler: A2ARequestHandler, options: A2aHonoOptions = {}): Hono {
  // Not strict: `/a2a` and `/a2a/` are the same endpoint, as card URLs are written both ways.
  const app = new Hono({ strict: false })
  const current = new JsonRpcTransportHandler(requestHandler)
  const legacy = new LegacyJsonRpcTransportHandler(requestHandler)
  app.get(`/${AGENT_CARD_PATH}`, async (c) => c.json(cardJson(await requestHandler.getAgentCard())))
  app.post(options.path ?? '/', async (c) => {
    const version = c.req.header(A2A_VERSION_HEADER)
    const useLegacy = (version || legacyVersion) === legacyVersion
    const mapError = useLegacy
      ? LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError
      : JsonRpcTransportHandler.mapToJSONRPCError
    const contentType = c.req.header('content-type')?.split(';', 1)[0]?.trim().toLowerCase()
    let body: unknown
    try {
      if (
        contentType &&
        contentType !== 'application/json' &&
        contentType !== 'application/a2a+json'
      )
        throw new SyntaxError(`content type ${contentType} is not JSON`)
      body = await c.req.json()
    } catch (error) {
      return c.json({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: `Parse error: ${(error as Error).message}` },
      })
    }
    const id = (body as { id?: unknown } | null)?.id ?? null
    try {
      const extensionHeader = useLegacy
        ? (c.req.header(LEGACY_HTTP_EXTENSION_HEADER) ?? c.req.header(HTTP_EXTENSION_HEADER))
        : c.req.header(HTTP_EXTENSION_HEADER)
      const requested = Extensions.parseServiceParameter(extensionHeader)
      const context = x402ContextBuilder({
        extensions: requested,
        user: new UnauthenticatedUser(),
        headers: c.req.header(),
        ...(version ? { requestedVersion: version } : {}),
      })
      validateVersion(context.requestedVersion, await requestHandler.getAgentCard(), 'JSONRPC')
      const answer = await (useLegacy ? legacy : current).handle(
        body as Record<string, unknown>,
        context,
      )
      if (context.activatedExtensions?.length) {
        c.header(
          useLegacy ? LEGACY_HTTP_EXTENSION_HEADER : HTTP_EXTENSION_HEADER,
          Extensions.toServiceParameter(inClientSpelling(context.activatedExtensions, requested)),
        )
      }
      if (!isAsyncIterable(answer)) return c.json(answer)
      return streamSSE(c, async (stream) => {
        try {
          for await (const event of answer) await stream.writeSSE({ data: JSON.stringify(event) })
        } catch (error) {
          await stream.writeSSE({
            event: 'error',
            data: JSON.stringify({ jsonrpc: '2.0', id, error: mapError(error) }),
          })
        }
      })
    } catch (error) {
      return c.json({ jsonrpc: '2.0', id, error: mapError(error) })
    }
  })
  return app
}

/** The card as JSON in v1.0 form, with the v0.3 fields of its first JSON-RPC interface beside it. */
export function cardJson(card: AgentCard): Record<string, unknown> {
  const json = AgentCard.toJSON(card) as Record<string, unknown>
  const rpc = card.supportedInterfaces.find((item) => item.protocolBinding === 'JSONRPC')
  if (!rpc) return json
  return {
    ...json,
    url: rpc.url,
    preferredTransport: 'JSONRPC',
    protocolVersion: '0.3.0',
  }
}

/**
 * The SDK's call-context builder, with the x402 extension activated under whichever of its URIs
 * the client sent. For the SDK's Express handlers: `jsonRpcHandler({ …, contextBuilder:
 * x402ContextBuilder })`.
 */
export const x402ContextBuilder: ServerCallContextBuilder = (options) =>
  defaultServerCallContextBuilder({
    ...options,
    extensions: options.extensions && withX402Spellings(options.extensions),
  })

/**
 * A client that activates the x402 extension by another of its URIs activates the one the card
 * declares too, so the SDK's check of required extensions lets it through.
 */
export function withX402Spellings(requested: string[]): string[] {
  if (!requested.some(isX402ExtensionUri) || requested.includes(x402ExtensionUri)) return requested
  return [...requested, x402ExtensionUri]
}

/** The activated extensions, the x402 one named as the client named it. */
function inClientSpelling(activated: string[], requested: string[]): string[] {
  if (requested.includes(x402ExtensionUri)) return activated
  const spelling = requested.find(isX402ExtensionUri)
  if (!spelling) return activated
  return activated.map((uri) => (uri === x402ExtensionUri ? spelling : uri))
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  )
}

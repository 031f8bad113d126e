import { randomUUID } from 'node:crypto'
import type { ResponseStore, SchemeServer } from '@tollgate/core'
import { paymentMiddleware } from '@tollgate/server/hono'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import {
  type ChargeReport,
  type Completion,
  completionBody,
  completionStream,
} from './completion.ts'
import { createLocalModel, type LocalModel } from './localModel.ts'
import { chargeOf, microUsdPerMillion, usd } from './pricing.ts'
import {
  type ChatRequest,
  lastUserText,
  parseChatRequest,
  type Refusal,
  refusal,
} from './request.ts'
import { countPromptTokens, countTextTokens } from './tokens.ts'
import { completeUpstream, UpstreamFailed, type UpstreamOptions } from './upstream.ts'

export {
  type ChargeReport,
  type Completion,
  completionBody,
  completionStream,
} from './completion.ts'
export { createLocalModel, type LocalModel, localModelId } from './localModel.ts'
export { chargeOf, microUsdPerMillion, usd } from './pricing.ts'
export { type ChatRequest, type OpenAiError, parseChatRequest } from './request.ts'
export { countPromptTokens, countTextTokens, truncateToTokens } from './tokens.ts'
export { completeUpstream, UpstreamFailed, type UpstreamOptions } from './upstream.ts'

export interface GatewayOptions {
  /** CAIP-2 network paid on, and who is paid. */
  network: string
  payTo: string
  facilitatorUrl: string
  /** An `upto` scheme server, e.g. `uptoEvmServer()`. */
  schemes: readonly SchemeServer[]
  /** Dollars per million tokens, prompt and completion alike. @default 2 */
  pricePerMillionTokens?: number
  /**
   * Most tokens one request may use, prompt plus completion. Every request authorizes this
   * many tokens' price (`upto`) and is charged the tokens it used. @default 16_384
   */
  maxTokensPerRequest?: number
  /** Completion tokens allowed when a request names no `max_tokens`. @default 512 */
  defaultMaxTokens?: number
  /** Largest request body. @default 1 MiB */
  bodyBytesMax?: number
  /** An OpenAI-compatible server to forward to; without it the local model answers. */
  upstream?: UpstreamOptions | undefined
  /** @default createLocalModel() over the shipped corpus */
  localModel?: LocalModel
  store?: ResponseStore
  /** Unix milliseconds, for `created`. @default Date.now */
  now?: () => number
}

/** The failure the buyer is told about when the handler itself broke: a 4xx, never charged. */
const brokeRefusal = refusal(
  422,
  'the gateway could not complete this request; nothing was charged',
  'completion_failed',
  null,
  'server_error',
)

/**
 * A pay-per-token LLM gateway: OpenAI's `POST /v1/chat/completions`, paid with `upto` (the buyer
 * authorizes `maxTokensPerRequest` tokens' price, and is charged the prompt and completion tokens
 * used), and a free `GET /v1/models`. It forwards to `upstream`, or answers from the local
 * extractive model. A request it cannot serve is answered with an OpenAI-style error, always a
 * 4xx, and charged nothing.
 */
export function createGatewayApp(options: GatewayOptions): Hono {
  const perMillion = microUsdPerMillion(options.pricePerMillionTokens ?? 2)
  const tokensMax = options.maxTokensPerRequest ?? 16_384
  const defaultMaxTokens = options.defaultMaxTokens ?? 512
  if (!Number.isInteger(tokensMax) || tokensMax < 2)
    throw new RangeError(`maxTokensPerRequest must be an integer of at least 2, not ${tokensMax}`)
  if (!Number.isInteger(defaultMaxTokens) || defaultMaxTokens < 1)
    throw new RangeError(`defaultMaxTokens must be a positive integer, not ${defaultMaxTokens}`)
  const authorized = chargeOf(tokensMax, perMillion)
  const local = options.localModel ?? createLocalModel()
  const served = options.upstream ? options.upstream.model : local.id
  const now = options.now ?? Date.now
  const price = { perMillion, authorized, tokensMax }

  const app = new Hono()
  // A bug in a handler is the gateway's, not the buyer's, but a 5xx would make a paying client
  // present the same payment again: answer a 4xx, which the middleware never settles.
  app.onError((_error, c) => c.json(brokeRefusal.body, brokeRefusal.status))
  app.use(
    paymentMiddleware({
      routes: {
        'POST /v1/chat/completions': {
          scheme: 'upto',
          price: usd(authorized),
          network: options.network,
          payTo: options.payTo,
          description: `Chat completions at ${usd(perMillion)} per million tokens, up to ${tokensMax} tokens a request`,
          mimeType: 'application/json',
          discovery: {
            bodyType: 'json',
            input: {
              model: served ?? local.id,
              messages: [{ role: 'user', content: 'What is x402?' }],
            },
            inputSchema: {
              properties: {
                model: { type: 'string' },
                messages: { type: 'array', minItems: 1 },
                max_tokens: { type: 'integer', minimum: 1 },
                stream: { type: 'boolean' },
              },
              required: ['model', 'messages'],
            },
          },
        },
      },
      facilitator: { url: options.facilitatorUrl },
      schemes: options.schemes,
      ...(options.store ? { store: options.store } : {}),
    }),
  )

  app.get('/v1/models', (c) =>
    c.json({
      object: 'list',
      data: served
        ? [
            {
              id: served,
              object: 'model',
              created: 0,
              owned_by: options.upstream ? 'upstream' : 'tollgate',
            },
          ]
        : [],
    }),
  )

  const tooLarge = refusal(
    413,
    `the body is larger than ${options.bodyBytesMax ?? 1024 * 1024} bytes`,
    'request_too_large',
  )
  app.post(
    '/v1/chat/completions',
    bodyLimit({
      maxSize: options.bodyBytesMax ?? 1024 * 1024,
      onError: (c) => c.json(tooLarge.body, tooLarge.status),
    }),
    async (c) => {
      const parsed = parseChatRequest(await c.req.text())
      if (!parsed.ok) return answer(c, parsed.refusal)
      const request = parsed.request
      if (served !== undefined && request.model !== served) {
        return answer(
          c,
          refusal(
            404,
            `the model ${request.model.slice(0, 100)} is not served here; ask for ${served}`,
            'model_not_found',
            'model',
          ),
        )
      }
      const done = await complete(request, { ...options, local, price, defaultMaxTokens })
      if ('status' in done) return answer(c, done)
      const completion: Completion = {
        ...done,
        id: `chatcmpl-${randomUUID()}`,
        created: Math.floor(now() / 1000),
      }
      // The charge: the tokens used, stated before the body, since the body is released only
      // once this amount has settled.
      c.header('Settlement-Overrides', JSON.stringify({ amount: completion.charge.charged_usd }))
      c.header('X-Tollgate-Charged', completion.charge.charged_usd)
      if (!request.stream) return c.json(completionBody(completion))
      return c.body(completionStream(completion, request.includeUsage), 200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
      })
    },
  )
  return app
}

function answer(c: Context, refused: Refusal): Response {
  return c.json(refused.body, refused.status)
}

interface Pricing {
  perMillion: bigint
  authorized: bigint
  tokensMax: number
}

/**
 * Runs the completion and prices it: the local model or the upstream, then the usage (the
 * upstream's own when it gives one), then the charge, capped at what the buyer authorized.
 */
async function complete(
  request: ChatRequest,
  context: {
    upstream?: UpstreamOptions | undefined
    local: LocalModel
    price: Pricing
    defaultMaxTokens: number
  },
): Promise<Omit<Completion, 'id' | 'created'> | Refusal> {
  const { price } = context
  const promptTokens = countPromptTokens(request.messages)
  if (promptTokens >= price.tokensMax) {
    return refusal(
      400,
      `the prompt is ${promptTokens} tokens; a request may use at most ${price.tokensMax}, completion included`,
      'context_length_exceeded',
      'messages',
    )
  }
  const completionMax = Math.min(
    request.maxTokens ?? context.defaultMaxTokens,
    price.tokensMax - promptTokens,
  )
  let model: string
  let text: string
  let finishReason: string
  let reported: { promptTokens: number; completionTokens: number } | undefined
  if (context.upstream) {
    try {
      const upstream = await completeUpstream(context.upstream, request, completionMax)
      ;({ model, text, finishReason } = upstream)
      reported = upstream.usage
    } catch (error) {
      if (!(error instanceof UpstreamFailed)) throw error
      // A failed dependency: the same request may work later, and nothing is charged.
      return refusal(424, error.message, error.code, null, 'upstream_error')
    }
  } else {
    const local = context.local.answer(lastUserText(request.messages), completionMax)
    model = context.local.id
    text = local.text
    finishReason = local.finishReason
  }
  const usage = reported ?? { promptTokens, completionTokens: countTextTokens(text) }
  const tokens = usage.promptTokens + usage.completionTokens
  let due = chargeOf(tokens, price.perMillion)
  // An upstream counting with another tokenizer, or ignoring max_tokens, may report more than
  // was authorized: the buyer never pays more than it signed for.
  if (due > price.authorized) due = price.authorized
  const charge: ChargeReport = {
    tokens,
    charged_usd: usd(due),
    authorized_usd: usd(price.authorized),
    price_per_million_tokens_usd: usd(price.perMillion),
    usage_source: reported ? 'upstream' : 'counted',
  }
  return {
    model,
    text,
    finishReason,
    usage: {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: tokens,
    },
    charge,
  }
}

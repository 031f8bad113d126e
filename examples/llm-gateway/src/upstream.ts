/**
 * Forwarding to an OpenAI-compatible server (OpenAI, OpenRouter, vLLM, llama.cpp, Ollama…): one
 * non-streaming `POST {baseUrl}/chat/completions`, bounded in time and size. Its API key goes in
 * the `Authorization` header to that server only, and is cut out of anything the gateway says.
 */
import { z } from 'zod'
import type { ChatRequest } from './request.ts'

export interface UpstreamOptions {
  /** Where the API lives, with its version, e.g. `https://api.openai.com/v1`. */
  baseUrl: string
  /** Sent as `Authorization: Bearer …`; never logged, never answered. */
  apiKey?: string | undefined
  /** The model asked of the upstream and the only one served; without it the buyer's passes. */
  model?: string | undefined
  /** @default 60_000 */
  timeoutMs?: number
  /** @default 4 MiB */
  responseBytesMax?: number
  /** @default globalThis.fetch */
  fetch?: typeof fetch
}

export interface UpstreamCompletion {
  model: string
  text: string
  finishReason: string
  /** The upstream's own count, when it gives one: the charge follows it. */
  usage: { promptTokens: number; completionTokens: number } | undefined
}

export type UpstreamFailureCode =
  | 'upstream_timeout'
  | 'upstream_unreachable'
  | 'upstream_failed'
  | 'upstream_malformed'

/** The upstream did not answer with a completion; the buyer is told why and charged nothing. */
export class UpstreamFailed extends Error {
  override readonly name = 'UpstreamFailed'
  constructor(
    readonly code: UpstreamFailureCode,
    message: string,
  ) {
    super(message)
  }
}

const reply = z.object({
  model: z.string().optional(),
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z
    .object({
      prompt_tokens: z.number().int().nonnegative(),
      completion_tokens: z.number().int().nonnegative(),
    })
    .nullish(),
})

const errorReply = z.object({ error: z.object({ message: z.string() }) })

/** Asks the upstream for one completion of at most `completionMax` tokens. */
export async function completeUpstream(
  options: UpstreamOptions,
  request: ChatRequest,
  completionMax: number,
): Promise<UpstreamCompletion> {
  const secret = (text: string) =>
    options.apiKey ? text.replaceAll(options.apiKey, '[redacted]') : text
  const model = options.model ?? request.model
  const url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`
  const timeoutMs = options.timeoutMs ?? 60_000
  const signal = AbortSignal.timeout(timeoutMs)
  let text: string
  let status: number
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        ...(options.apiKey ? { authorization: `Bearer ${options.apiKey}` } : {}),
      },
      body: JSON.stringify({
        model,
        messages: request.messages,
        [request.maxTokensField]: completionMax,
        ...request.sampling,
        stream: false,
      }),
      // A redirect could carry the key elsewhere; an API has no reason to send one.
      redirect: 'error',
      signal,
    })
    status = response.status
    text = await readLimited(response, options.responseBytesMax ?? 4 * 1024 * 1024)
  } catch (error) {
    if (signal.aborted)
      throw new UpstreamFailed('upstream_timeout', `the upstream did not answer in ${timeoutMs} ms`)
    throw new UpstreamFailed('upstream_unreachable', secret(`the upstream failed: ${why(error)}`))
  }
  const json = safeJson(text)
  if (status < 200 || status > 299) {
    const said = errorReply.safeParse(json)
    const detail = said.success ? `: ${said.data.error.message.slice(0, 200)}` : ''
    throw new UpstreamFailed('upstream_failed', secret(`the upstream answered ${status}${detail}`))
  }
  const parsed = reply.safeParse(json)
  if (!parsed.success)
    throw new UpstreamFailed('upstream_malformed', 'the upstream answer is not a chat completion')
  const choice = parsed.data.choices[0]!
  const usage = parsed.data.usage
  return {
    model: parsed.data.model ?? model,
    text: choice.message.content ?? '',
    finishReason: choice.finish_reason ?? 'stop',
    usage: usage
      ? { promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens }
      : undefined,
  }
}

/** An error's message, with its cause's code when it has one (`fetch failed (ECONNREFUSED)`). */
function why(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const code: unknown = error.cause instanceof Error ? Reflect.get(error.cause, 'code') : undefined
  return typeof code === 'string' ? `${error.message} (${code})` : error.message
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/** The body as text, refused past `bytesMax` so a runaway upstream cannot fill the memory. */
async function readLimited(response: Response, bytesMax: number): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > bytesMax) {
      await reader.cancel()
      throw new Error(`its answer is larger than ${bytesMax} bytes`)
    }
    chunks.push(value)
  }
  return new TextDecoder().decode(Buffer.concat(chunks))
}

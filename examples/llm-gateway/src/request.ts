/**
 * The body of `POST /v1/chat/completions`, the OpenAI shape, parsed with zod. Fields the gateway
 * has no use for (tools, logprobs, seeds…) are dropped, not refused, so ordinary clients work.
 */
import { z } from 'zod'
import type { PromptMessage } from './tokens.ts'

/** An OpenAI-style error body: `{error: {message, type, param, code}}`. */
export interface OpenAiError {
  error: { message: string; type: string; param: string | null; code: string | null }
}

/** A refusal: its status (always a 4xx, never charged) and its body. */
export interface Refusal {
  status: 400 | 404 | 413 | 422 | 424
  body: OpenAiError
}

export function refusal(
  status: Refusal['status'],
  message: string,
  code: string,
  param: string | null = null,
  type = 'invalid_request_error',
): Refusal {
  return { status, body: { error: { message, type, param, code } } }
}

const textPart = z.object({ type: z.literal('text'), text: z.string() })

const message = z.object({
  role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
  // An assistant turn that only called tools has no content.
  content: z
    .union([z.string(), z.array(textPart, { error: 'only text content parts are supported' })])
    .nullish(),
  name: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'a name is 1 to 64 letters, digits, _ or -')
    .optional(),
})

const tokens = z.number().int().min(1).max(1_000_000_000).nullish()

const chatRequest = z.object({
  model: z.string().min(1).max(256),
  messages: z.array(message).min(1).max(2048),
  max_tokens: tokens,
  max_completion_tokens: tokens,
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().min(0).max(1).nullish(),
  n: z.literal(1, { error: 'only one choice (n: 1) is served' }).nullish(),
  stop: z.union([z.string(), z.array(z.string()).max(4)]).nullish(),
})

/** A chat request as the gateway uses it: content as text, options normalised. */
export interface ChatRequest {
  model: string
  messages: PromptMessage[]
  /** What the buyer asked for, if anything; the gateway applies its default and its cap. */
  maxTokens: number | undefined
  /** Which of the two names the buyer used, so an upstream is asked the same way. */
  maxTokensField: 'max_tokens' | 'max_completion_tokens'
  stream: boolean
  includeUsage: boolean
  /** Passed to an upstream as they came; the local model has no use for them. */
  sampling: { temperature?: number; top_p?: number; stop?: string | string[] }
}

export type Parsed = { ok: true; request: ChatRequest } | { ok: false; refusal: Refusal }

/** Parses a request body; never throws: a bad body is a 400 that says what is wrong. */
export function parseChatRequest(text: string): Parsed {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return {
      ok: false,
      refusal: refusal(400, 'the body is not JSON: send a chat completion request', 'invalid_json'),
    }
  }
  const parsed = chatRequest.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const param = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : null
    const what = issue ? issue.message : 'invalid request'
    return {
      ok: false,
      refusal: refusal(400, param ? `${param}: ${what}` : what, 'invalid_request', param),
    }
  }
  const body = parsed.data
  const sampling: ChatRequest['sampling'] = {}
  if (body.temperature != null) sampling.temperature = body.temperature
  if (body.top_p != null) sampling.top_p = body.top_p
  if (body.stop != null) sampling.stop = body.stop
  return {
    ok: true,
    request: {
      model: body.model,
      messages: body.messages.map((entry) => ({
        role: entry.role,
        ...(entry.name === undefined ? {} : { name: entry.name }),
        content: textOf(entry.content),
      })),
      maxTokens: body.max_completion_tokens ?? body.max_tokens ?? undefined,
      maxTokensField: body.max_completion_tokens == null ? 'max_tokens' : 'max_completion_tokens',
      stream: body.stream === true,
      includeUsage: body.stream_options?.include_usage === true,
      sampling,
    },
  }
}

function textOf(content: string | { text: string }[] | null | undefined): string {
  if (content == null) return ''
  return typeof content === 'string' ? content : content.map((part) => part.text).join('\n')
}

/** The text of the last user message: what the local model answers. */
export function lastUserText(messages: readonly PromptMessage[]): string {
  for (let at = messages.length - 1; at >= 0; at--)
    if (messages[at]!.role === 'user') return messages[at]!.content
  return ''
}

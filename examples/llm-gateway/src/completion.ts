/**
 * A finished completion in OpenAI's two wire shapes: one `chat.completion` object, or
 * `chat.completion.chunk` server-sent events ending in `data: [DONE]`.
 */

/** What the buyer was charged, as the gateway reports it next to `usage`. */
export interface ChargeReport {
  /** Tokens charged: prompt plus completion. */
  tokens: number
  charged_usd: string
  /** The most this request could have cost: what the buyer signed for. */
  authorized_usd: string
  price_per_million_tokens_usd: string
  /** `upstream` when the upstream reported its usage, else `counted` here with gpt-tokenizer. */
  usage_source: 'upstream' | 'counted'
}

export interface Completion {
  id: string
  /** Unix seconds. */
  created: number
  model: string
  text: string
  finishReason: string
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number }
  charge: ChargeReport
}

/** The `chat.completion` object. */
export function completionBody(completion: Completion) {
  return {
    id: completion.id,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: completion.text, refusal: null },
        logprobs: null,
        finish_reason: completion.finishReason,
      },
    ],
    usage: completion.usage,
    x_tollgate: completion.charge,
  }
}

/** The text in stream pieces, a word with the space before it each; joined they are the text. */
export function pieces(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? []
}

/**
 * The whole stream, as one body: a role chunk, a chunk per word, a chunk with the finish reason
 * (and the charge), the usage chunk when `include_usage` asked for it, then `[DONE]`.
 */
export function completionStream(completion: Completion, includeUsage: boolean): string {
  const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
    `data: ${JSON.stringify({
      id: completion.id,
      object: 'chat.completion.chunk',
      created: completion.created,
      model: completion.model,
      choices,
      // OpenAI's stream carries `usage: null` on every chunk but the last when usage is asked.
      ...(includeUsage ? { usage: null } : {}),
      ...extra,
    })}\n\n`
  const delta = (content: Record<string, string>, finish: string | null = null) => ({
    index: 0,
    delta: content,
    logprobs: null,
    finish_reason: finish,
  })
  const events = [chunk([delta({ role: 'assistant', content: '' })])]
  for (const piece of pieces(completion.text)) events.push(chunk([delta({ content: piece })]))
  events.push(chunk([delta({}, completion.finishReason)], { x_tollgate: completion.charge }))
  if (includeUsage) events.push(chunk([], { usage: completion.usage }))
  events.push('data: [DONE]\n\n')
  return events.join('')
}

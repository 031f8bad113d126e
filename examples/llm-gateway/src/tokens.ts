/**
 * Token counting with `gpt-tokenizer`'s GPT-4o encoding (o200k_base), the tokenizer of the
 * OpenAI models most gateways front. The prompt is counted in the chat format (each message's
 * role and separators cost tokens too), the completion as plain text.
 */
import { countTokens, decode, encode } from 'gpt-tokenizer/model/gpt-4o'

/** A buyer's `<|endoftext|>` is text like any other, not a control token (and never throws). */
const asText = { disallowedSpecial: new Set<string>() }

/**
 * BPE is quadratic in the length of one unbroken run of characters: a 100,000-character word
 * takes seconds. Runs longer than this are counted in slices, which can only over-count by a
 * token or so per slice, and only for text no model reads as words anyway.
 */
const runCharsMax = 256
const longRun = new RegExp(`\\S{${runCharsMax + 1},}`, 'g')

/** Tokens in a piece of text, as the model would read it. */
export function countTextTokens(text: string): number {
  let total = 0
  let last = 0
  for (const match of text.matchAll(longRun)) {
    total += countTokens(text.slice(last, match.index), asText)
    for (let at = 0; at < match[0].length; at += runCharsMax)
      total += countTokens(match[0].slice(at, at + runCharsMax), asText)
    last = match.index + match[0].length
  }
  return total + countTokens(text.slice(last), asText)
}

export interface PromptMessage {
  role: string
  name?: string | undefined
  content: string
}

/**
 * Prompt tokens of a chat: the chat format's own tokens (message markers, roles, the primed
 * assistant turn) plus each message's content. The format's tokens do not depend on the content,
 * so they are counted once on empty messages and the content is counted apart.
 */
export function countPromptTokens(messages: readonly PromptMessage[]): number {
  const frame = countTokens(
    messages.map((message) => ({
      role: message.role,
      ...(message.name === undefined ? {} : { name: message.name }),
      content: '',
    })),
  )
  return messages.reduce((sum, message) => sum + countTextTokens(message.content), frame)
}

/** The text cut to at most `tokensMax` tokens, and whether anything was cut. */
export function truncateToTokens(
  text: string,
  tokensMax: number,
): { text: string; truncated: boolean } {
  if (countTextTokens(text) <= tokensMax) return { text, truncated: false }
  const tokens = encode(text, asText).slice(0, Math.max(tokensMax, 0))
  // A cut inside a multi-byte character leaves a replacement character: drop it.
  let cut = decode(tokens).replace(/\uFFFD+$/, '')
  while (cut.length > 0 && countTextTokens(cut) > tokensMax) cut = cut.slice(0, -1)
  return { text: cut, truncated: true }
}

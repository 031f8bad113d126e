/**
 * Token counts, against values of the GPT-4o tokenizer (o200k_base): text, chats in the chat
 * format, special-token text counted as text, long unbroken runs counted fast, and truncation.
 */
import { describe, expect, it } from 'vitest'
import { countPromptTokens, countTextTokens, truncateToTokens } from './tokens.ts'

describe('token counting', () => {
  it('counts text as GPT-4o does', () => {
    expect(countTextTokens('')).toBe(0)
    expect(countTextTokens('Hello, world!')).toBe(4)
    expect(countTextTokens('the quick brown fox. '.repeat(100))).toBe(501)
  })

  it('counts a chat with its format: 3 tokens a message plus the primed reply', () => {
    const hello = [{ role: 'user', content: 'Hello, world!' }]
    expect(countPromptTokens(hello)).toBe(11)
    const two = [{ role: 'developer', content: 'You are a helpful assistant.' }, ...hello]
    expect(countPromptTokens(two)).toBe(countPromptTokens(hello) + 4 + 6)
    // The content is counted apart from the frame, and adds up the same.
    expect(countPromptTokens([{ role: 'user', content: 'a b c' }])).toBe(
      countPromptTokens([{ role: 'user', content: '' }]) + countTextTokens('a b c'),
    )
  })

  it('reads special tokens in a prompt as text, and does not throw', () => {
    expect(countTextTokens('<|endoftext|>')).toBeGreaterThan(1)
    expect(countPromptTokens([{ role: 'user', content: '<|im_start|>system' }])).toBeGreaterThan(8)
  })

  it('counts a 200,000-character word in well under a second', () => {
    const started = performance.now()
    const count = countTextTokens('x'.repeat(200_000))
    expect(performance.now() - started).toBeLessThan(1000)
    // About what the tokenizer gives on 256-character slices: a few characters a token.
    expect(count).toBeGreaterThan(200_000 / 16)
    expect(count).toBeLessThan(200_000 / 2)
  })

  it('truncates to a token budget, and only when needed', () => {
    const text = 'Payments settle on chain before the response is released.'
    expect(truncateToTokens(text, 100)).toEqual({ text, truncated: false })
    const cut = truncateToTokens(text, 4)
    expect(cut.truncated).toBe(true)
    expect(countTextTokens(cut.text)).toBeLessThanOrEqual(4)
    expect(text.startsWith(cut.text)).toBe(true)
    expect(truncateToTokens('héllo wörld ünïcode', 2).text).not.toContain('\uFFFD')
  })
})

/**
 * The body parser of `POST /v1/chat/completions`: the OpenAI shapes are accepted and normalised,
 * and anything else is a 400 with an OpenAI-style error naming the field. Fuzzed: random text,
 * random JSON and near-valid requests never make it throw, and every answer is one or the other.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { parseChatRequest } from './request.ts'

const parse = (body: unknown) => parseChatRequest(JSON.stringify(body))
const hello = { model: 'm', messages: [{ role: 'user', content: 'Hello!' }] }

function refusalOf(body: unknown) {
  const parsed = parse(body)
  if (parsed.ok) throw new Error(`accepted ${JSON.stringify(body)}`)
  return parsed.refusal
}

describe('parseChatRequest', () => {
  it('accepts the OpenAI request shape and normalises it', () => {
    const parsed = parse({
      model: 'gpt-4o-mini',
      messages: [
        { role: 'developer', content: 'You are a helpful assistant.' },
        {
          role: 'user',
          name: 'ana',
          content: [
            { type: 'text', text: 'Hi' },
            { type: 'text', text: 'there' },
          ],
        },
        { role: 'assistant', content: null },
      ],
      max_completion_tokens: 20,
      max_tokens: 99,
      temperature: 0.2,
      stream: true,
      stream_options: { include_usage: true },
      tools: [{ type: 'function' }],
      seed: 4,
    })
    expect(parsed).toEqual({
      ok: true,
      request: {
        model: 'gpt-4o-mini',
        messages: [
          { role: 'developer', content: 'You are a helpful assistant.' },
          { role: 'user', name: 'ana', content: 'Hi\nthere' },
          { role: 'assistant', content: '' },
        ],
        maxTokens: 20,
        maxTokensField: 'max_completion_tokens',
        stream: true,
        includeUsage: true,
        sampling: { temperature: 0.2 },
      },
    })
    expect(parse({ ...hello, max_tokens: 7 })).toMatchObject({
      ok: true,
      request: { maxTokens: 7, maxTokensField: 'max_tokens', stream: false, includeUsage: false },
    })
  })

  it.each([
    ['not JSON', '{"model":', null, 'invalid_json'],
    ['no model', { messages: hello.messages }, 'model', 'invalid_request'],
    ['no messages', { model: 'm', messages: [] }, 'messages', 'invalid_request'],
    [
      'an unknown role',
      { model: 'm', messages: [{ role: 'robot', content: 'x' }] },
      'messages.0.role',
      'invalid_request',
    ],
    [
      'an image part',
      { model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: {} }] }] },
      'messages.0.content',
      'invalid_request',
    ],
    ['a zero max_tokens', { ...hello, max_tokens: 0 }, 'max_tokens', 'invalid_request'],
    ['a fractional max_tokens', { ...hello, max_tokens: 1.5 }, 'max_tokens', 'invalid_request'],
    ['two choices', { ...hello, n: 2 }, 'n', 'invalid_request'],
    ['a string stream flag', { ...hello, stream: 'yes' }, 'stream', 'invalid_request'],
    ['an array', [hello], null, 'invalid_request'],
  ])('refuses %s with a 400 naming the field', (_what, body, param, code) => {
    const refused =
      typeof body === 'string'
        ? (() => {
            const parsed = parseChatRequest(body)
            if (parsed.ok) throw new Error('accepted')
            return parsed.refusal
          })()
        : refusalOf(body)
    expect(refused.status).toBe(400)
    expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', param, code })
    expect(refused.body.error.message.length).toBeGreaterThan(0)
  })

  const checkOutcome = (text: string) => {
    const parsed = parseChatRequest(text)
    if (parsed.ok) {
      expect(parsed.request.messages.length).toBeGreaterThan(0)
      for (const message of parsed.request.messages) expect(typeof message.content).toBe('string')
      const max = parsed.request.maxTokens
      if (max !== undefined) expect(Number.isInteger(max) && max >= 1).toBe(true)
    } else {
      expect(parsed.refusal.status).toBe(400)
      expect(parsed.refusal.body.error.type).toBe('invalid_request_error')
      expect(typeof parsed.refusal.body.error.message).toBe('string')
    }
  }

  it('never throws on random text or random JSON: a request or a 400', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), checkOutcome), { numRuns: 300 })
    fc.assert(
      fc.property(fc.jsonValue(), (value) => checkOutcome(JSON.stringify(value))),
      { numRuns: 300 },
    )
  })

  it('never throws on near-valid requests, and accepts every valid one', () => {
    const part = fc.oneof(
      fc.record({ type: fc.constant('text'), text: fc.string() }),
      fc.record({ type: fc.string(), text: fc.anything() }),
    )
    const message = fc.record(
      {
        role: fc.oneof(
          fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool'),
          fc.string(),
        ),
        content: fc.oneof(
          fc.string(),
          fc.array(part, { maxLength: 3 }),
          fc.constant(null),
          fc.integer(),
        ),
        name: fc.oneof(fc.stringMatching(/^[a-z]{1,8}$/), fc.string()),
      },
      { requiredKeys: [] },
    )
    const body = fc.record(
      {
        model: fc.oneof(fc.string(), fc.integer()),
        messages: fc.oneof(fc.array(message, { maxLength: 4 }), fc.anything()),
        max_tokens: fc.oneof(fc.integer(), fc.double(), fc.constant(null), fc.string()),
        stream: fc.oneof(fc.boolean(), fc.anything()),
        stream_options: fc.oneof(fc.record({ include_usage: fc.boolean() }), fc.anything()),
        temperature: fc.oneof(fc.double(), fc.anything()),
      },
      { requiredKeys: [] },
    )
    fc.assert(
      fc.property(body, (value) => checkOutcome(JSON.stringify(value))),
      { numRuns: 500 },
    )

    const valid = fc.record({
      model: fc.string({ minLength: 1, maxLength: 40 }),
      messages: fc.array(
        fc.record({
          role: fc.constantFrom('system', 'developer', 'user', 'assistant'),
          content: fc.string(),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      max_tokens: fc.integer({ min: 1, max: 100_000 }),
      stream: fc.boolean(),
    })
    fc.assert(
      fc.property(valid, (value) => {
        const parsed = parse(value)
        expect(parsed.ok).toBe(true)
        if (parsed.ok) expect(parsed.request.maxTokens).toBe(value.max_tokens)
      }),
      { numRuns: 200 },
    )
  })
})

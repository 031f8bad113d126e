import { describe, expect, it } from 'vitest'
import { type Completion, completionBody, completionStream, pieces } from './completion.ts'

const completion: Completion = {
  id: 'chatcmpl-1',
  created: 1_700_000_000,
  model: 'tollgate-local-extractive',
  text: 'Pay first, then read.',
  finishReason: 'stop',
  usage: { prompt_tokens: 9, completion_tokens: 6, total_tokens: 15 },
  charge: {
    tokens: 15,
    charged_usd: '$0.000030',
    authorized_usd: '$0.032768',
    price_per_million_tokens_usd: '$2.000000',
    usage_source: 'counted',
  },
}

function events(body: string): string[] {
  expect(body.endsWith('data: [DONE]\n\n')).toBe(true)
  return body
    .split('\n\n')
    .filter((event) => event.length > 0)
    .map((event) => {
      expect(event.startsWith('data: ')).toBe(true)
      return event.slice('data: '.length)
    })
}

describe('completion wire shapes', () => {
  it('splits text into pieces that join back into it', () => {
    for (const text of ['', 'one', ' two  words ', 'a\nb\tc', '  '])
      expect(pieces(text).join('')).toBe(text)
  })

  it('is a chat.completion with usage and the charge', () => {
    expect(completionBody(completion)).toMatchObject({
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: 'Pay first, then read.' },
          finish_reason: 'stop',
        },
      ],
      usage: completion.usage,
      x_tollgate: completion.charge,
    })
  })

  it('streams chunks whose deltas make the text, a finish chunk, then [DONE]', () => {
    const data = events(completionStream(completion, false))
    expect(data.at(-1)).toBe('[DONE]')
    const chunks = data.slice(0, -1).map((event) => JSON.parse(event))
    for (const chunk of chunks) {
      expect(chunk).toMatchObject({
        id: 'chatcmpl-1',
        object: 'chat.completion.chunk',
        model: completion.model,
      })
      expect(chunk).not.toHaveProperty('usage')
    }
    expect(chunks[0].choices[0].delta).toEqual({ role: 'assistant', content: '' })
    const text = chunks.map((chunk) => chunk.choices[0].delta.content ?? '').join('')
    expect(text).toBe(completion.text)
    const last = chunks.at(-1)
    expect(last.choices[0]).toMatchObject({ delta: {}, finish_reason: 'stop' })
    expect(last.x_tollgate).toEqual(completion.charge)
    expect(chunks.slice(0, -1).every((chunk) => chunk.choices[0].finish_reason === null)).toBe(true)
  })

  it('ends with a usage chunk when include_usage asked for one', () => {
    const chunks = events(completionStream(completion, true))
      .slice(0, -1)
      .map((event) => JSON.parse(event))
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true)
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: completion.usage })
  })
})

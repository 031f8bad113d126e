/**
 * The local extractive model: it quotes the corpus sentences that share the most (rare) words
 * with the question, best first; keeps to the token budget; says so when nothing matches; and
 * gives the same answer to the same question every time.
 */
import { describe, expect, it } from 'vitest'
import { corpus } from './corpus.ts'
import { createLocalModel, noMatchAnswer, terms } from './localModel.ts'
import { countTextTokens } from './tokens.ts'

const model = createLocalModel()
const sentences = corpus.map((document) => document.text).join(' ')

describe('the local extractive model', () => {
  it.each([
    ['How many decimals does USDC have?', 'It has six decimals'],
    ['What does a facilitator expose?', 'It exposes a verify endpoint'],
    ['Who pays the gas with EIP-3009?', 'EIP-3009 transferWithAuthorization'],
    ['Can an agent be charged more than it agreed to?', 'an agent cannot be charged more'],
  ])('answers %j with the most relevant sentence first', (question, expected) => {
    const { text, finishReason } = model.answer(question, 512)
    expect(finishReason).toBe('stop')
    const first = text.split(/(?<=\.) /)[0]!
    expect(first).toContain(expected)
  })

  it('quotes the corpus and nothing else, at most three sentences', () => {
    const { text } = model.answer('How does settlement work with a facilitator?', 512)
    const quoted = text.split(/(?<=\.) (?=[A-Z0-9x])/)
    expect(quoted.length).toBeGreaterThan(0)
    expect(quoted.length).toBeLessThanOrEqual(3)
    for (const sentence of quoted) expect(sentences).toContain(sentence)
  })

  it('keeps to max_tokens and says it stopped for length', () => {
    for (const budget of [1, 5, 17, 40]) {
      const { text, finishReason } = model.answer('What is x402 and how does upto charge?', budget)
      expect(countTextTokens(text)).toBeLessThanOrEqual(budget)
      expect(countTextTokens(text)).toBeGreaterThan(0)
      expect(finishReason).toBe('length')
    }
  })

  it('says what it knows when nothing in the question matches', () => {
    expect(model.answer('banana bread recipe', 512)).toEqual({
      text: noMatchAnswer,
      finishReason: 'stop',
    })
    expect(model.answer('', 512).text).toBe(noMatchAnswer)
  })

  it('is deterministic, also across instances', () => {
    const question = 'Why does a streamed answer arrive only after settlement?'
    const first = model.answer(question, 64)
    for (let round = 0; round < 5; round++) expect(model.answer(question, 64)).toEqual(first)
    expect(createLocalModel().answer(question, 64)).toEqual(first)
  })

  it('answers from the documents it is given', () => {
    const tides = createLocalModel({
      documents: [
        { title: 'Sea', text: 'The tide rises twice a day. The moon pulls the water.' },
        { title: 'Sky', text: 'Clouds are made of droplets.' },
      ],
      sentencesMax: 1,
    })
    expect(tides.answer('What pulls the tide water?', 100).text).toBe('The moon pulls the water.')
  })

  it('matches plurals and ignores case and stopwords', () => {
    expect(terms('The Payments of AGENTS')).toEqual(['payment', 'agent'])
  })
})

import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { best, bm25, sentences, words } from './rank.ts'

describe('ranking without a model', () => {
  it('folds case, plurals and stop words', () => {
    expect(words('Why are the Tides so HIGH?')).toEqual(['tide', 'so', 'high'])
    expect(words('glass')).toEqual(['glass'])
  })

  it('splits Markdown into sentences, headings and links dropped', () => {
    const text =
      '# Tides\n\nThe sea rises twice a day. See [the moon](https://x.example/moon) pull it.\n\n- short'
    expect(sentences(text)).toEqual(['The sea rises twice a day.', 'See the moon pull it.'])
  })

  it('scores the text about the query first, and unrelated text 0', () => {
    const texts = ['bread and yeast', 'the moon pulls the tide', 'tide tables for a harbour']
    const scores = bm25('what causes the tide, the moon?', texts)
    expect(scores[0]).toBe(0)
    expect(scores[1]).toBeGreaterThan(scores[2]!)
    expect(best('moon tide', texts, (text) => text, 5)).toEqual(texts.slice(1))
  })

  it('never throws, never scores below 0, keeps its order for any input', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.string(), { maxLength: 8 }), (query, texts) => {
        const scores = bm25(query, texts)
        expect(scores).toHaveLength(texts.length)
        for (const score of scores) expect(score).toBeGreaterThanOrEqual(0)
        expect(best(query, texts, (text) => text, 3)).toEqual(best(query, texts, (text) => text, 3))
      }),
    )
  })
})

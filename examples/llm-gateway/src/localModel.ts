/**
 * `tollgate-local-extractive`: not a language model. It ranks the sentences of a few short
 * documents shipped with the example (`corpus.ts`) against the last user message with BM25, and
 * answers with the best few, quoted as they are and cut to the token budget. It is deterministic,
 * offline and fast, so the gateway runs and is tested with no model and no network.
 */
import { type Document, corpus as defaultCorpus } from './corpus.ts'
import { truncateToTokens } from './tokens.ts'

export const localModelId = 'tollgate-local-extractive'

export interface LocalAnswer {
  text: string
  /** `length` when the answer was cut to the token budget. */
  finishReason: 'stop' | 'length'
}

export interface LocalModel {
  readonly id: string
  answer(question: string, tokensMax: number): LocalAnswer
}

/** What the model says when no sentence shares a word with the question. */
export const noMatchAnswer =
  'I am a small extractive model that only knows a few notes about x402 payments, facilitators, the upto scheme, tokens, USDC, streaming and agents that pay. Ask me about one of those.'

const stopwords = new Set(
  (
    'a an and are as at be but by can do does for from has have how i in is it its me of on or ' +
    'so that the their them then there these they this to was what when where which who why ' +
    'will with you your about into than not no only also such each one'
  ).split(' '),
)

/** Lower-case words without stopwords, with a plural `s` dropped so "payments" finds "payment". */
export function terms(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z0-9]+/g) ?? []
  return words
    .filter((word) => !stopwords.has(word))
    .map((word) =>
      word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word,
    )
}

function sentencesOf(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+(?=[A-Za-z0-9])/)
    .map((sentence) => sentence.trim())
    .filter((sentence) => sentence.length > 0)
}

interface Indexed {
  sentence: string
  counts: Map<string, number>
  length: number
}

// BM25's usual constants: term frequency saturates, long sentences are discounted.
const k1 = 1.2
const b = 0.75

/** Builds the model over `documents` (the shipped corpus unless told otherwise). */
export function createLocalModel(
  options: { documents?: readonly Document[]; sentencesMax?: number } = {},
): LocalModel {
  const documents = options.documents ?? defaultCorpus
  const sentencesMax = options.sentencesMax ?? 3
  const index: Indexed[] = documents.flatMap((document) =>
    sentencesOf(document.text).map((sentence) => {
      // The title's words count for each of its sentences: they say what the sentence is about.
      const words = [...terms(sentence), ...terms(document.title)]
      const counts = new Map<string, number>()
      for (const word of words) counts.set(word, (counts.get(word) ?? 0) + 1)
      return { sentence, counts, length: words.length }
    }),
  )
  const averageLength = index.reduce((sum, entry) => sum + entry.length, 0) / (index.length || 1)
  const documentFrequency = new Map<string, number>()
  for (const entry of index)
    for (const word of entry.counts.keys())
      documentFrequency.set(word, (documentFrequency.get(word) ?? 0) + 1)
  const idf = (word: string) => {
    const n = documentFrequency.get(word) ?? 0
    return Math.log(1 + (index.length - n + 0.5) / (n + 0.5))
  }

  const score = (entry: Indexed, query: readonly string[]) =>
    query.reduce((sum, word) => {
      const tf = entry.counts.get(word) ?? 0
      if (tf === 0) return sum
      const norm = tf + k1 * (1 - b + (b * entry.length) / averageLength)
      return sum + (idf(word) * tf * (k1 + 1)) / norm
    }, 0)

  return {
    id: localModelId,
    answer(question, tokensMax) {
      const query = [...new Set(terms(question))]
      const ranked = index
        .map((entry, position) => ({ entry, position, score: score(entry, query) }))
        .filter((hit) => hit.score > 0)
        // Ties go to the earlier sentence, so the same question always gets the same answer.
        .sort((left, right) => right.score - left.score || left.position - right.position)
        .slice(0, sentencesMax)
      const text =
        ranked.length === 0 ? noMatchAnswer : ranked.map((hit) => hit.entry.sentence).join(' ')
      const cut = truncateToTokens(text, tokensMax)
      return { text: cut.text, finishReason: cut.truncated ? 'length' : 'stop' }
    },
  }
}

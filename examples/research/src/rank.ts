/**
 * Relevance without a model: BM25 over the words of short texts (source titles, sentences). Small
 * and deterministic, which is what a report that names its sources needs.
 */

const stopWords = new Set(
  'a an and are as at be by do does for from how in is it of on or that the this to was what when where which who why will with'.split(
    ' ',
  ),
)

/** Lower-cased words, stop words dropped, a trailing plural `s` folded. */
export function words(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [])
    .filter((word) => !stopWords.has(word))
    .map((word) =>
      word.length > 3 && word.endsWith('s') && !word.endsWith('ss') ? word.slice(0, -1) : word,
    )
}

/** The sentences of a text, Markdown headings and list marks removed. */
export function sentences(text: string): string[] {
  return text
    .replace(/^#+\s.*$/gm, '')
    .replace(/^\s*[-*]\s+/gm, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .split(/(?<=[.!?])\s+|\n{2,}/)
    .map((sentence) => sentence.replace(/\s+/g, ' ').trim())
    .filter((sentence) => sentence.length >= 20 && /[.!?]$/.test(sentence))
}

/**
 * Each text's BM25 score for the query (k1 1.2, b 0.75), in the texts' order. A text sharing no
 * word with the query scores 0.
 */
export function bm25(query: string, texts: readonly string[]): number[] {
  const documents = texts.map(words)
  const averageLength =
    documents.reduce((total, document) => total + document.length, 0) /
    Math.max(documents.length, 1)
  const terms = [...new Set(words(query))]
  const containing = new Map(
    terms.map((term) => [term, documents.filter((document) => document.includes(term)).length]),
  )
  return documents.map((document) => {
    let score = 0
    for (const term of terms) {
      const frequency = document.filter((word) => word === term).length
      if (frequency === 0) continue
      const having = containing.get(term) ?? 0
      const idf = Math.log(1 + (documents.length - having + 0.5) / (having + 0.5))
      const norm = 1.2 * (0.25 + (0.75 * document.length) / Math.max(averageLength, 1))
      score += (idf * frequency * 2.2) / (frequency + norm)
    }
    return score
  })
}

/** The `count` best-scoring items for the query, best first; items scoring 0 are left out. */
export function best<T>(
  query: string,
  items: readonly T[],
  text: (item: T) => string,
  count: number,
): T[] {
  const scores = bm25(query, items.map(text))
  return items
    .map((item, index) => ({ item, score: scores[index] ?? 0, index }))
    .filter((entry) => entry.score > 0)
    .sort((left, right) => right.score - left.score || left.index - right.index)
    .slice(0, count)
    .map((entry) => entry.item)
}

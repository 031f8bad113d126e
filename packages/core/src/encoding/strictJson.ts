/**
 * Strict JSON for payment data, refused at parse time so that every surface (payment headers,
 * facilitator bodies, MCP `_meta`) refuses the same documents the same way:
 * - duplicate keys: JSON.parse keeps the last of two equal keys silently, so two parsers may
 *   read two different amounts;
 * - a NUL or an unpaired surrogate in any string, key or value: PostgreSQL's jsonb cannot store
 *   them (and UTF-8 cannot carry a lone surrogate), so one such string would fail every payment
 *   written to the ledger in the same statement;
 * - nesting deeper than `jsonDepthMax`: recursive readers (canonical keys, serialisers, the
 *   database's JSON parser) overflow their stack on a few thousand levels.
 */

/**
 * Deepest nesting of objects and arrays a payment document may have. x402 documents need fewer
 * than 10 levels; discovery schemas in `extensions` a few more.
 */
export const jsonDepthMax = 64

/**
 * Why a text was refused: `syntax` and `duplicateKey` mean it is not one unambiguous JSON
 * document; `unstorableString` and `tooDeep` mean it is one, carrying what a payment may not.
 */
export type StrictJsonFailureKind = 'syntax' | 'duplicateKey' | 'unstorableString' | 'tooDeep'

export type StrictJsonResult =
  | { ok: true; value: unknown }
  | { ok: false; kind: StrictJsonFailureKind; error: string }

export function parseStrictJson(text: string): StrictJsonResult {
  let value: unknown
  try {
    // V8's JSON.parse does not recurse, so it is safe on any nesting; the scan below bounds it.
    value = JSON.parse(text)
  } catch (error) {
    return { ok: false, kind: 'syntax', error: `not JSON: ${(error as Error).message}` }
  }
  return scanDocument(text) ?? { ok: true, value }
}

type Refusal = Extract<StrictJsonResult, { ok: false }>

/**
 * Scans already-valid JSON text once, without recursion: the nesting depth, every string (keys
 * included), and the keys of each object. Returns the first refusal, if any. A text with no NUL,
 * no surrogate and no `\u` escape holds no unstorable string: then only keys are read out.
 */
function scanDocument(text: string): Refusal | undefined {
  const checkStrings = suspectUnits.test(text) || text.includes('\\u')
  const containers: Array<Set<string> | null> = []
  let index = 0
  while (index < text.length) {
    const unit = text.charCodeAt(index)
    if (unit === quote) {
      const end = endOfString(text, index)
      const top = containers[containers.length - 1]
      const isKey = top !== undefined && top !== null && nextNonSpace(text, end) === ':'
      if (isKey || checkStrings) {
        const raw = text.slice(index, end)
        // Without a backslash the text between the quotes is the string itself.
        const value = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1)
        if (checkStrings && !storable(value)) {
          return {
            ok: false,
            kind: 'unstorableString',
            error: 'a string holds a NUL or an unpaired UTF-16 surrogate',
          }
        }
        if (isKey) {
          if (top.has(value)) {
            const error = `duplicate JSON key ${JSON.stringify(value)}`
            return { ok: false, kind: 'duplicateKey', error }
          }
          top.add(value)
        }
      }
      index = end
      continue
    }
    if (unit === openBrace || unit === openBracket) {
      containers.push(unit === openBrace ? new Set() : null)
      if (containers.length > jsonDepthMax) {
        return { ok: false, kind: 'tooDeep', error: `nested deeper than ${jsonDepthMax} levels` }
      }
    } else if (unit === closeBrace || unit === closeBracket) containers.pop()
    index++
  }
  return undefined
}

const quote = 34
const openBrace = 123
const closeBrace = 125
const openBracket = 91
const closeBracket = 93

/** Any NUL or surrogate code unit: most strings have none, and a native scan says so quickly. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is one of the units it looks for.
const suspectUnits = /[\u0000\ud800-\udfff]/

/** False for a string holding U+0000 or a surrogate code unit that is not half of a pair. */
function storable(value: string): boolean {
  if (!suspectUnits.test(value)) return true
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index)
    if (unit === 0) return false
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = value.charCodeAt(index + 1)
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false
      index++
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return false
  }
  return true
}

/** The index after the quote that closes the string opening at `start` (valid JSON assumed). */
function endOfString(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1)
  while (quote !== -1) {
    // A quote after an odd run of backslashes is escaped.
    let backslashes = 0
    while (text.charCodeAt(quote - 1 - backslashes) === 92) backslashes++
    if (backslashes % 2 === 0) return quote + 1
    quote = text.indexOf('"', quote + 1)
  }
  return text.length + 1
}

/** JSON's whitespace: space, tab, line feed, carriage return. */
function nextNonSpace(text: string, from: number): string | undefined {
  let index = from
  for (;;) {
    const unit = text.charCodeAt(index)
    if (unit !== 32 && unit !== 9 && unit !== 10 && unit !== 13) return text[index]
    index++
  }
}

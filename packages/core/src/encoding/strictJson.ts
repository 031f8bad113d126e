/**
 * JSON.parse keeps the last of two equal keys silently. Payment data with duplicate keys is
 * ambiguous (two parsers may read two different amounts), so it is refused.
 */
export function parseStrictJson(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` }
  }
  const duplicate = findDuplicateKey(text)
  if (duplicate !== undefined)
    return { ok: false, error: `duplicate JSON key ${JSON.stringify(duplicate)}` }
  return { ok: true, value }
}

/** Scans already-valid JSON text and returns the first key that repeats within one object. */
function findDuplicateKey(text: string): string | undefined {
  const objects: Array<Set<string> | null> = []
  let index = 0
  while (index < text.length) {
    const char = text[index]
    if (char === '"') {
      const end = endOfString(text, index)
      const top = objects[objects.length - 1]
      if (top && nextNonSpace(text, end) === ':') {
        const key = JSON.parse(text.slice(index, end)) as string
        if (top.has(key)) return key
        top.add(key)
      }
      index = end
      continue
    }
    if (char === '{') objects.push(new Set())
    else if (char === '[') objects.push(null)
    else if (char === '}' || char === ']') objects.pop()
    index++
  }
  return undefined
}

function endOfString(text: string, start: number): number {
  let index = start + 1
  while (index < text.length && text[index] !== '"') index += text[index] === '\\' ? 2 : 1
  return index + 1
}

function nextNonSpace(text: string, from: number): string | undefined {
  let index = from
  while (index < text.length && /\s/.test(text[index]!)) index++
  return text[index]
}

/** Escaping for the two places the page puts outside text: HTML and a JSON data island. */

const htmlEscapes: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Text safe in element content and in double- or single-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => htmlEscapes[char]!)
}

/**
 * JSON safe inside `<script type="application/json">`: `<`, `>` and `&` become `\u` escapes, so
 * no value can close the element or open a comment, and JSON.parse reads it back unchanged.
 * U+2028/U+2029 are escaped too, for older parsers that treat them as line ends.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
}

/** A URL for `<img src>`: http(s) or a data: image, else undefined (no `javascript:` and kin). */
export function safeImageUrl(url: string | undefined): string | undefined {
  if (!url) return undefined
  if (/^data:image\/(png|jpeg|gif|webp|svg\+xml);/i.test(url)) return url
  try {
    const parsed = new URL(url, 'http://relative.invalid')
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? url : undefined
  } catch {
    return undefined
  }
}

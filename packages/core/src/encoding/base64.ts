/** Standard base64 (RFC 4648 §4, padded) over UTF-8, with Web APIs, or Node's Buffer where it exists. */

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** The part of Node's Buffer used here: it is many times faster than btoa/atob on headers. */
interface NodeBuffer {
  from(
    text: string,
    encoding: 'utf8' | 'base64',
  ): Uint8Array & { toString(encoding: 'base64'): string }
}
const nodeBuffer = (globalThis as { Buffer?: NodeBuffer }).Buffer
const utf8 = new TextDecoder('utf-8', { fatal: true })

export function encodeBase64Utf8(text: string): string {
  if (nodeBuffer) return nodeBuffer.from(text, 'utf8').toString('base64')
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  // Chunked so large inputs do not exceed the argument limit of String.fromCharCode.
  for (let offset = 0; offset < bytes.length; offset += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(offset, offset + 0x8000))
  }
  return btoa(binary)
}

/** Decodes strict padded base64 into UTF-8 text; returns undefined for anything else. */
export function decodeBase64Utf8(encoded: string): string | undefined {
  let bytes: Uint8Array | undefined
  if (nodeBuffer) {
    // Buffer skips what is not base64; its decoding counts only if it encodes back to the same
    // text. Anything else (non-zero pad bits, say) takes the strict path below.
    const decoded = nodeBuffer.from(encoded, 'base64')
    if (decoded.toString('base64') === encoded) bytes = decoded
  }
  if (!bytes) {
    if (!base64Pattern.test(encoded)) return undefined
    const binary = atob(encoded)
    bytes = new Uint8Array(binary.length)
    for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index)
  }
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

/**
 * Strict base58 and base64 codecs for the Solana devnet. Solana's RPC rejects malformed input
 * rather than guessing, so these throw on anything that is not canonical (Node's own base64
 * decoder silently skips bad characters, which is why base64 is checked by pattern first).
 * @module
 */
import { getBase58Decoder, getBase58Encoder } from '@solana/kit'

const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/

/** Bytes to a base58 string (addresses, signatures, blockhashes). */
export function base58Encode(bytes: Uint8Array): string {
  return getBase58Decoder().decode(bytes)
}

/** A base58 string to bytes. Throws on characters outside the base58 alphabet. */
export function base58Decode(text: string): Uint8Array {
  return Uint8Array.from(getBase58Encoder().encode(text))
}

/** Bytes to a standard (padded) base64 string. */
export function base64Encode(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64')
}

/** A standard padded base64 string to bytes. Throws on anything else. */
export function base64Decode(text: string): Uint8Array {
  if (!BASE64_PATTERN.test(text)) throw new Error('Invalid byte, offset 0.')
  return new Uint8Array(Buffer.from(text, 'base64'))
}

/** True when `text` is a base58 string of exactly 32 bytes (an address or a blockhash). */
export function isBase58Of32Bytes(text: string): boolean {
  if (text.length < 32 || text.length > 44) return false
  try {
    return base58Decode(text).length === 32
  } catch {
    return false
  }
}

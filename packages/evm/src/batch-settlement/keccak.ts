import { createKeccak, type IHasher } from 'hash-wasm'
import { keccak256 } from 'viem'

/**
 * Keccak-256 for the voucher path, which hashes three times per request: hash-wasm's WebAssembly
 * Keccak (several times faster than the JavaScript one on short inputs) once it has loaded, else
 * viem's. Both give the same bytes; where WebAssembly cannot be compiled at run time (some edge
 * runtimes), viem's is used throughout.
 */
let hasher: IHasher | undefined
export const keccakReady: Promise<void> = createKeccak(256).then(
  (loaded) => {
    hasher = loaded
  },
  () => undefined,
)

export function keccakBytes(data: Uint8Array): Uint8Array {
  if (!hasher) return keccak256(data, 'bytes')
  hasher.init()
  hasher.update(data)
  return hasher.digest('binary')
}

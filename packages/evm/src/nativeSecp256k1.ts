import { createRequire } from 'node:module'

/** What Tollgate calls of the `secp256k1` addon (libsecp256k1 bindings). */
export interface NativeSecp256k1 {
  ecdsaRecover(
    signature: Uint8Array,
    recid: number,
    message: Uint8Array,
    compressed: boolean,
  ): Uint8Array
  ecdsaSign(message: Uint8Array, privateKey: Uint8Array): { signature: Uint8Array; recid: number }
}

function isNative(value: unknown): value is NativeSecp256k1 {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof Reflect.get(value, 'ecdsaRecover') === 'function' &&
    typeof Reflect.get(value, 'ecdsaSign') === 'function'
  )
}

/**
 * libsecp256k1 through the optional `secp256k1` addon (about thirty times faster than the
 * JavaScript curve), when it is installed and loads; otherwise undefined, and viem's curve serves.
 */
export const nativeSecp256k1: NativeSecp256k1 | undefined = (() => {
  try {
    const loaded: unknown = createRequire(import.meta.url)('secp256k1')
    return isNative(loaded) ? loaded : undefined
  } catch {
    return undefined
  }
})()

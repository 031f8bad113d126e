import { createRequire } from 'node:module'
import { bytesToHex, getAddress, type Hex, hexToBytes, keccak256, recoverAddress } from 'viem'

/** secp256k1n / 2: a signature with a larger `s` is the malleable twin the escrow refuses. */
const halfOrder = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

interface NativeSecp256k1 {
  ecdsaRecover(
    signature: Uint8Array,
    recid: number,
    message: Uint8Array,
    compressed: boolean,
  ): Uint8Array
}

function isNative(value: unknown): value is NativeSecp256k1 {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof Reflect.get(value, 'ecdsaRecover') === 'function'
  )
}

/**
 * libsecp256k1 through the optional `secp256k1` addon (about thirty times faster than the
 * JavaScript curve), when it is installed and loads; otherwise undefined, and viem recovers.
 */
const native: NativeSecp256k1 | undefined = (() => {
  try {
    const loaded: unknown = createRequire(import.meta.url)('secp256k1')
    return isNative(loaded) ? loaded : undefined
  } catch {
    return undefined
  }
})()

/**
 * Who signed `digest`, judged as the escrow's ECDSA check does: 65 bytes, v 27 or 28, low s, a
 * non-zero signer; undefined for anything it would refuse.
 */
export async function recoverSigner(digest: Hex, signature: Hex): Promise<Hex | undefined> {
  if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return undefined
  const v = Number.parseInt(signature.slice(130, 132), 16)
  const s = BigInt(`0x${signature.slice(66, 130)}`)
  if ((v !== 27 && v !== 28) || s === 0n || s > halfOrder || BigInt(signature.slice(0, 66)) === 0n)
    return undefined
  try {
    if (!native) return await recoverAddress({ hash: digest, signature })
    const publicKey = native.ecdsaRecover(
      hexToBytes(signature).subarray(0, 64),
      v - 27,
      hexToBytes(digest),
      false,
    )
    return getAddress(`0x${keccak256(bytesToHex(publicKey.subarray(1))).slice(26)}`)
  } catch {
    return undefined
  }
}

/** Whether recovery runs on the native addon (reported by benchmarks). */
export const nativeRecovery = native !== undefined

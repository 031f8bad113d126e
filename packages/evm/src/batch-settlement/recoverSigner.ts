import { bytesToHex, type Hex, hexToBytes, recoverAddress } from 'viem'
import { nativeSecp256k1 } from '../nativeSecp256k1.ts'
import { keccakBytes } from './keccak.ts'

/** secp256k1n / 2: a signature with a larger `s` is the malleable twin the escrow refuses. */
const halfOrderHex = '7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0'
const zeroWord = '0'.repeat(64)
const signaturePattern = /^0x[0-9a-fA-F]{130}$/

const native = nativeSecp256k1

/**
 * Who signed `digest`, judged as the escrow's ECDSA check does: 65 bytes, v 27 or 28, low s, a
 * non-zero signer; undefined for anything it would refuse. The address comes back lower-case.
 */
export async function recoverSigner(
  digest: Hex | Uint8Array,
  signature: Hex,
): Promise<Hex | undefined> {
  if (!signaturePattern.test(signature)) return undefined
  const v = Number.parseInt(signature.slice(130, 132), 16)
  // Fixed-width hex compares as the number it spells, so no big integers are built.
  const r = signature.slice(2, 66).toLowerCase()
  const s = signature.slice(66, 130).toLowerCase()
  if ((v !== 27 && v !== 28) || s === zeroWord || s > halfOrderHex || r === zeroWord)
    return undefined
  try {
    if (!native) {
      const hash = typeof digest === 'string' ? digest : bytesToHex(digest)
      return (await recoverAddress({ hash, signature })).toLowerCase() as Hex
    }
    const publicKey = native.ecdsaRecover(
      hexToBytes(signature).subarray(0, 64),
      v - 27,
      typeof digest === 'string' ? hexToBytes(digest) : digest,
      false,
    )
    return bytesToHex(keccakBytes(publicKey.subarray(1)).subarray(12))
  } catch {
    return undefined
  }
}

/** Whether recovery runs on the native addon (reported by benchmarks). */
export const nativeRecovery = native !== undefined

/**
 * Who signed `message` with EIP-191 (`personal_sign`, as sign-in-with-x does), judged like
 * `recoverSigner`: the prefixed message hashed with the fast Keccak, the key recovered natively
 * when the addon loads. Lower-case address, or undefined.
 */
export function recoverMessageSigner(message: string, signature: Hex): Promise<Hex | undefined> {
  const body = new TextEncoder().encode(message)
  const prefix = new TextEncoder().encode(`\x19Ethereum Signed Message:\n${body.byteLength}`)
  const prefixed = new Uint8Array(prefix.byteLength + body.byteLength)
  prefixed.set(prefix, 0)
  prefixed.set(body, prefix.byteLength)
  return recoverSigner(keccakBytes(prefixed), signature)
}

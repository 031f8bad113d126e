import { keccakBytes } from './batch-settlement/keccak.ts'

/**
 * EIP-712 digests packed by hand for the request path, where viem's general `hashTypedData`
 * costs more than the hashing: a struct of fixed 32-byte words is ABI-encoded by copying.
 */

/** `keccak256(0x1901 ‖ domainSeparator ‖ keccak256(struct))`. */
export function typedDataDigestBytes(domainSeparator: Uint8Array, struct: Uint8Array): Uint8Array {
  const message = new Uint8Array(66)
  message[0] = 0x19
  message[1] = 0x01
  message.set(domainSeparator, 2)
  message.set(keccakBytes(struct), 34)
  return keccakBytes(message)
}

/** An unsigned integer big-endian in the 32-byte word at `offset`; past `bits`, a RangeError. */
export function writeUintWord(target: Uint8Array, offset: number, value: bigint, bits = 256): void {
  if (value < 0n || value >= 2n ** BigInt(bits))
    throw new RangeError(`${value} is not a uint${bits}`)
  let rest = value
  for (let index = offset + 31; rest > 0n; index--) {
    target[index] = Number(rest & 0xffn)
    rest >>= 8n
  }
}

import {
  type Hex,
  hexToBytes,
  type LocalAccount,
  serializeTransaction,
  type TransactionSerializableEIP1559,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { keccakBytes } from '../batch-settlement/keccak.ts'
import { nativeSecp256k1 } from '../nativeSecp256k1.ts'

const native = nativeSecp256k1

/** Accounts made here, with the signing function that replaces viem's curve for them. */
const fastSigners = new WeakMap<
  LocalAccount,
  (transaction: TransactionSerializableEIP1559) => Hex
>()

/**
 * A hot wallet's account from its key: viem's, whose EIP-1559 transactions are signed by
 * libsecp256k1 when the addon loads. Both sign by RFC 6979 with a low s, so the bytes are the
 * same; viem's JavaScript curve took about a millisecond of each settlement's CPU.
 */
export function settlementAccount(privateKey: Hex): LocalAccount {
  const account = privateKeyToAccount(privateKey)
  if (native) {
    const key = hexToBytes(privateKey)
    fastSigners.set(account, (transaction) => {
      const fields = eip1559Fields(transaction)
      if (!fields) {
        const digest = keccakBytes(hexToBytes(serializeTransaction(transaction)))
        const { signature, recid } = native.ecdsaSign(digest, key)
        return serializeTransaction(transaction, {
          r: `0x${Buffer.from(signature.subarray(0, 32)).toString('hex')}`,
          s: `0x${Buffer.from(signature.subarray(32, 64)).toString('hex')}`,
          yParity: recid,
        })
      }
      const { signature, recid } = native.ecdsaSign(keccakBytes(typed(rlp(fields))), key)
      const signed = [
        ...fields,
        uint(recid),
        trimmed(signature.subarray(0, 32)),
        trimmed(signature.subarray(32, 64)),
      ]
      return `0x${typed(rlp(signed)).toString('hex')}`
    })
  }
  return account
}

/** Signs with the account's native signer when it has one, else with the account itself. */
export function signSettlement(
  account: LocalAccount,
  transaction: TransactionSerializableEIP1559,
): Promise<Hex> {
  const fast = fastSigners.get(account)
  return fast ? Promise.resolve(fast(transaction)) : account.signTransaction(transaction)
}

/** Whether settlements are signed natively (reported by benchmarks). */
export const nativeSigning = native !== undefined

/**
 * A settlement's fields in EIP-1559 order, as RLP items, or undefined for a transaction this
 * encoder does not cover (an access list, a missing field), which viem's serializer then takes.
 * viem's generic serializer turned the calldata from hex to bytes and back three times per
 * transaction, in JavaScript: 1.6 ms for a batch of 200 payments.
 */
function eip1559Fields(transaction: TransactionSerializableEIP1559): Rlp[] | undefined {
  const { chainId, nonce, maxPriorityFeePerGas, maxFeePerGas, gas, to, value, data } = transaction
  if (transaction.accessList?.length) return undefined
  if (nonce === undefined || maxFeePerGas === undefined || gas === undefined || !to)
    return undefined
  return [
    uint(chainId),
    uint(nonce),
    uint(maxPriorityFeePerGas ?? 0n),
    uint(maxFeePerGas),
    uint(gas),
    hexBytes(to),
    uint(value ?? 0n),
    hexBytes(data ?? '0x'),
    [],
  ]
}

type Rlp = Buffer | Rlp[]

const empty = Buffer.alloc(0)

/** An unsigned integer as RLP wants it: big-endian, no leading zero bytes, zero as no bytes. */
function uint(value: bigint | number): Buffer {
  if (value === 0 || value === 0n) return empty
  const hex = value.toString(16)
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex')
}

function hexBytes(hex: string): Buffer {
  return Buffer.from(hex.slice(2), 'hex')
}

/** A signature half as an integer: leading zero bytes dropped. */
function trimmed(bytes: Uint8Array): Buffer {
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  return Buffer.from(bytes.subarray(start))
}

function rlp(item: Rlp): Buffer {
  if (Buffer.isBuffer(item)) {
    if (item.length === 1 && item[0]! < 0x80) return item
    return Buffer.concat([rlpLength(item.length, 0x80), item])
  }
  const payload = Buffer.concat(item.map(rlp))
  return Buffer.concat([rlpLength(payload.length, 0xc0), payload])
}

function rlpLength(length: number, offset: number): Buffer {
  if (length <= 55) return Buffer.of(offset + length)
  const bytes = uint(length)
  return Buffer.concat([Buffer.of(offset + 55 + bytes.length), bytes])
}

/** EIP-2718 envelope: the type byte, then the RLP list. */
function typed(list: Buffer): Buffer {
  return Buffer.concat([Buffer.of(2), list])
}

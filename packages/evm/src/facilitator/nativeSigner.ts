import {
  bytesToHex,
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
      const digest = keccakBytes(hexToBytes(serializeTransaction(transaction)))
      const { signature, recid } = native.ecdsaSign(digest, key)
      return serializeTransaction(transaction, {
        r: bytesToHex(signature.subarray(0, 32)),
        s: bytesToHex(signature.subarray(32, 64)),
        yParity: recid,
      })
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

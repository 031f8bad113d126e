/**
 * EIP-712 types and signing helpers for EIP-3009 and EIP-2612, written from the ERC texts. Tests
 * sign with viem exactly as an x402 client does, then tamper with the results.
 * @module
 */
import {
  type Address,
  concat,
  type Hex,
  hexToBigInt,
  keccak256,
  type PrivateKeyAccount,
  parseSignature,
  stringToHex,
  toHex,
} from 'viem'

const AUTHORIZATION_FIELDS = [
  { name: 'from', type: 'address' },
  { name: 'to', type: 'address' },
  { name: 'value', type: 'uint256' },
  { name: 'validAfter', type: 'uint256' },
  { name: 'validBefore', type: 'uint256' },
  { name: 'nonce', type: 'bytes32' },
] as const

export const TRANSFER_TYPES = { TransferWithAuthorization: AUTHORIZATION_FIELDS } as const
export const RECEIVE_TYPES = { ReceiveWithAuthorization: AUTHORIZATION_FIELDS } as const
export const CANCEL_TYPES = {
  CancelAuthorization: [
    { name: 'authorizer', type: 'address' },
    { name: 'nonce', type: 'bytes32' },
  ],
} as const
export const PERMIT_TYPES = {
  Permit: [
    { name: 'owner', type: 'address' },
    { name: 'spender', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
} as const

export type Domain = { name: string; version: string; chainId: number; verifyingContract: Address }

export type Authorization = {
  from: Address
  to: Address
  value: bigint
  validAfter: bigint
  validBefore: bigint
  nonce: Hex
}

/** secp256k1 group order n. */
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

/** A deterministic 32-byte nonce per test label, so a failing test names the nonce it used. */
export function nonceFor(label: string): Hex {
  return keccak256(stringToHex(label))
}

export function signTransfer(
  account: PrivateKeyAccount,
  domain: Domain,
  message: Authorization,
): Promise<Hex> {
  return account.signTypedData({
    domain,
    types: TRANSFER_TYPES,
    primaryType: 'TransferWithAuthorization',
    message,
  })
}

export function signReceive(
  account: PrivateKeyAccount,
  domain: Domain,
  message: Authorization,
): Promise<Hex> {
  return account.signTypedData({
    domain,
    types: RECEIVE_TYPES,
    primaryType: 'ReceiveWithAuthorization',
    message,
  })
}

export function signCancel(
  account: PrivateKeyAccount,
  domain: Domain,
  message: { authorizer: Address; nonce: Hex },
): Promise<Hex> {
  return account.signTypedData({
    domain,
    types: CANCEL_TYPES,
    primaryType: 'CancelAuthorization',
    message,
  })
}

/** The `(v, r, s)` arguments of the split-signature overloads. */
export function splitSignature(signature: Hex): [number, Hex, Hex] {
  const { v, r, s } = parseSignature(signature)
  if (v === undefined) throw new Error('signature has no v')
  return [Number(v), r, s]
}

/**
 * The malleable twin of a signature: (r, n − s, flipped v) recovers to the same signer through the
 * bare precompile, so only a low-s check stops it.
 */
export function highSTwin(signature: Hex): Hex {
  const [v, r, s] = splitSignature(signature)
  const twinS = toHex(SECP256K1_N - hexToBigInt(s), { size: 32 })
  return concat([r, twinS, toHex(v === 27 ? 28 : 27, { size: 1 })])
}

/** The same signature with its v byte replaced. */
export function withV(signature: Hex, v: number): Hex {
  const [, r, s] = splitSignature(signature)
  return concat([r, s, toHex(v, { size: 1 })])
}

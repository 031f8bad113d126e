import {
  encodeFunctionData,
  getAbiItem,
  getAddress,
  type Hex,
  type Log,
  toEventSelector,
  toFunctionSelector,
} from 'viem'
import { eip3009Abi } from '../abi.ts'
import type { Authorization } from '../exact/eip3009/payload.ts'

/**
 * `transferWithAuthorization` calldata and the token's two events, packed and read by hand. Each
 * settlement encodes its transfer twice (simulation, then the batch) and reads two events back;
 * through viem's generic ABI coder that was about 0.15 ms of a payment's CPU at load, several
 * times what these fixed layouts need. The selectors and topics still come from viem and the
 * ABI, and anything these do not recognise goes to viem: the calldata is always the bytes viem
 * encodes, in lowercase hex (viem keeps the case it was given).
 */
const [vrsItem, bytesItem] = eip3009Abi.filter(
  (item) => item.type === 'function' && item.name === 'transferWithAuthorization',
)
const vrsSelector = toFunctionSelector(vrsItem!)
const bytesSelector = toFunctionSelector(bytesItem!)
const authorizationUsedTopic = toEventSelector(
  getAbiItem({ abi: eip3009Abi, name: 'AuthorizationUsed' }),
)
const transferTopic = toEventSelector(getAbiItem({ abi: eip3009Abi, name: 'Transfer' }))

const addressPattern = /^0x[0-9a-fA-F]{40}$/
const bytes32Pattern = /^0x[0-9a-fA-F]{64}$/
const decimalPattern = /^(0|[1-9][0-9]{0,77})$/
const hexBodyPattern = /^[0-9a-fA-F]*$/
const uint256Max = (1n << 256n) - 1n

function addressWord(address: string): string | undefined {
  return addressPattern.test(address) ? address.slice(2).toLowerCase().padStart(64, '0') : undefined
}

function uintWord(decimal: string): string | undefined {
  if (!decimalPattern.test(decimal)) return undefined
  const value = BigInt(decimal)
  return value > uint256Max ? undefined : value.toString(16).padStart(64, '0')
}

/** Calldata of `transferWithAuthorization`: the (v, r, s) overload when `vrs` is given. */
export function encodeTransferWithAuthorization(
  authorization: Authorization,
  signature: Hex,
  vrs: { v: number; r: Hex; s: Hex } | undefined,
): Hex {
  const head = [
    addressWord(authorization.from),
    addressWord(authorization.to),
    uintWord(authorization.value),
    uintWord(authorization.validAfter),
    uintWord(authorization.validBefore),
    bytes32Pattern.test(authorization.nonce)
      ? authorization.nonce.slice(2).toLowerCase()
      : undefined,
  ]
  const signatureBody = signature.slice(2)
  const packable =
    head.every((word) => word !== undefined) &&
    signature.startsWith('0x') &&
    signatureBody.length % 2 === 0 &&
    hexBodyPattern.test(signatureBody)
  if (!packable) return encodeWithViem(authorization, signature, vrs)
  if (vrs) {
    return `${vrsSelector}${head.join('')}${vrs.v.toString(16).padStart(64, '0')}${vrs.r.slice(2)}${vrs.s.slice(2)}`.toLowerCase() as Hex
  }
  // The dynamic `bytes` follows the seven head words: its offset, its length, then its bytes
  // padded to a whole word.
  const length = signatureBody.length / 2
  const padded = signatureBody.toLowerCase().padEnd(Math.ceil(length / 32) * 64, '0')
  const offset = (7 * 32).toString(16).padStart(64, '0')
  return `${bytesSelector}${head.join('')}${offset}${length.toString(16).padStart(64, '0')}${padded}` as Hex
}

/** The same calldata through viem's ABI coder: the fallback, and the reference the tests hold to. */
export function encodeWithViem(
  authorization: Authorization,
  signature: Hex,
  vrs: { v: number; r: Hex; s: Hex } | undefined,
): Hex {
  const args = [
    getAddress(authorization.from),
    getAddress(authorization.to),
    BigInt(authorization.value),
    BigInt(authorization.validAfter),
    BigInt(authorization.validBefore),
    authorization.nonce as Hex,
  ] as const
  return vrs
    ? encodeFunctionData({
        abi: eip3009Abi,
        functionName: 'transferWithAuthorization',
        args: [...args, vrs.v, vrs.r, vrs.s],
      })
    : encodeFunctionData({
        abi: eip3009Abi,
        functionName: 'transferWithAuthorization',
        args: [...args, signature],
      })
}

/** One `AuthorizationUsed` log, lowercased: the token, the payer and the nonce. */
export interface AuthorizationUsedLog {
  address: string
  authorizer: string
  nonce: string
}

/** One ERC-20 `Transfer` log, lowercased. */
export interface TransferLog {
  address: string
  from: string
  to: string
  value: bigint
}

/**
 * The token's `AuthorizationUsed` and `Transfer` logs of a receipt. A log counts only in the exact
 * shape the event declares (three topics; no data, or one word of it), as viem's strict decoding
 * counts it: an ERC-721 `Transfer`, whose third topic is the token id and whose data is empty,
 * is not an ERC-20 one.
 */
export function readTokenLogs(logs: readonly Log[]): {
  used: AuthorizationUsedLog[]
  transfers: TransferLog[]
} {
  const used: AuthorizationUsedLog[] = []
  const transfers: TransferLog[] = []
  for (const log of logs) {
    const [topic, first, second, ...rest] = log.topics
    if (!topic || !first || !second || rest.length > 0) continue
    const selector = topic.toLowerCase()
    if (selector === authorizationUsedTopic) {
      if (log.data !== '0x' || !bytes32Pattern.test(first)) continue
      used.push({
        address: log.address.toLowerCase(),
        authorizer: topicAddress(first),
        nonce: second.toLowerCase(),
      })
    } else if (selector === transferTopic) {
      if (![log.data, first, second].every((word) => bytes32Pattern.test(word))) continue
      transfers.push({
        address: log.address.toLowerCase(),
        from: topicAddress(first),
        to: topicAddress(second),
        value: BigInt(log.data),
      })
    }
  }
  return { used, transfers }
}

/** An indexed address is the last twenty bytes of its topic word, as viem reads it. */
function topicAddress(topic: string): string {
  return `0x${topic.slice(26).toLowerCase()}`
}

import {
  type Address,
  getAddress,
  type Hex,
  hashDomain,
  hashTypedData,
  hexToBytes,
  keccak256,
  stringToHex,
} from 'viem'
import { eip712DomainTypes, transferWithAuthorizationTypes } from '../../abi.ts'
import { keccakBytes } from '../../batch-settlement/keccak.ts'
import type { Authorization } from './payload.ts'

export interface Eip712Domain {
  name: string
  version: string
  chainId: number
  verifyingContract: Address
}

/** The EIP-712 message of an authorization, numbers as bigint. */
export function authorizationMessage(authorization: Authorization) {
  return {
    from: getAddress(authorization.from),
    to: getAddress(authorization.to),
    value: BigInt(authorization.value),
    validAfter: BigInt(authorization.validAfter),
    validBefore: BigInt(authorization.validBefore),
    nonce: authorization.nonce as Hex,
  }
}

export function authorizationTypedData(domain: Eip712Domain, authorization: Authorization) {
  return {
    domain,
    types: transferWithAuthorizationTypes,
    primaryType: 'TransferWithAuthorization' as const,
    message: authorizationMessage(authorization),
  }
}

/** The digest the token checks the signature against. */
export function authorizationDigest(domain: Eip712Domain, authorization: Authorization): Hex {
  return hashTypedData(authorizationTypedData(domain, authorization))
}

const transferTypehashBytes = hexToBytes(
  keccak256(
    stringToHex(
      'TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)',
    ),
  ),
)
const domainSeparators = new Map<string, Uint8Array>()
const domainSeparatorsMax = 1_000

function domainSeparatorBytes(domain: Eip712Domain): Uint8Array {
  const key =
    `${domain.name}|${domain.version}|${domain.chainId}|${domain.verifyingContract}`.toLowerCase()
  let separator = domainSeparators.get(key)
  if (!separator) {
    separator = hexToBytes(
      hashDomain({
        domain: { ...domain, chainId: BigInt(domain.chainId) },
        types: { EIP712Domain: eip712DomainTypes },
      }),
    )
    if (domainSeparators.size >= domainSeparatorsMax) domainSeparators.clear()
    domainSeparators.set(key, separator)
  }
  return separator
}

/**
 * `authorizationDigest` as bytes, packed by hand with the domain separator cached: the struct
 * is seven 32-byte words, so ABI encoding is a copy. For checks on the request path.
 */
export function authorizationDigestBytes(
  domain: Eip712Domain,
  authorization: Authorization,
): Uint8Array {
  const struct = new Uint8Array(224)
  struct.set(transferTypehashBytes, 0)
  struct.set(hexToBytes(authorization.from as Hex), 44)
  struct.set(hexToBytes(authorization.to as Hex), 76)
  writeWord(struct, 96, BigInt(authorization.value))
  writeWord(struct, 128, BigInt(authorization.validAfter))
  writeWord(struct, 160, BigInt(authorization.validBefore))
  struct.set(hexToBytes(authorization.nonce as Hex, { size: 32 }), 192)
  const message = new Uint8Array(66)
  message[0] = 0x19
  message[1] = 0x01
  message.set(domainSeparatorBytes(domain), 2)
  message.set(keccakBytes(struct), 34)
  return keccakBytes(message)
}

/** A uint256 big-endian at `offset`; values past 256 bits are refused. */
function writeWord(target: Uint8Array, offset: number, value: bigint): void {
  if (value < 0n || value >= 2n ** 256n) throw new RangeError(`${value} is not a uint256`)
  let rest = value
  for (let index = offset + 31; rest > 0n; index--) {
    target[index] = Number(rest & 0xffn)
    rest >>= 8n
  }
}

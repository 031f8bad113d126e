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
import { typedDataDigestBytes, writeUintWord } from '../../eip712Bytes.ts'
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
  writeUintWord(struct, 96, BigInt(authorization.value))
  writeUintWord(struct, 128, BigInt(authorization.validAfter))
  writeUintWord(struct, 160, BigInt(authorization.validBefore))
  struct.set(hexToBytes(authorization.nonce as Hex, { size: 32 }), 192)
  return typedDataDigestBytes(domainSeparatorBytes(domain), struct)
}

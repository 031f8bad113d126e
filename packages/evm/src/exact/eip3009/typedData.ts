import { type Address, getAddress, type Hex, hashTypedData } from 'viem'
import { transferWithAuthorizationTypes } from '../../abi.ts'
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

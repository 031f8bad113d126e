import { getAddress, type Hex, hashTypedData } from 'viem'
import { exactPermit2Types, permit2Addresses, uptoPermit2Types } from './constants.ts'
import type {
  ExactPermit2Authorization,
  Permit2Authorization,
  UptoPermit2Authorization,
} from './payload.ts'

/** Permit2's EIP-712 domain: no version, and the canonical address as verifying contract. */
export function permit2Domain(chainId: number) {
  return { name: 'Permit2', chainId, verifyingContract: permit2Addresses.permit2 } as const
}

function permitMessage(authorization: Permit2Authorization) {
  return {
    permitted: {
      token: getAddress(authorization.permitted.token),
      amount: BigInt(authorization.permitted.amount),
    },
    spender: getAddress(authorization.spender),
    nonce: BigInt(authorization.nonce),
    deadline: BigInt(authorization.deadline),
  }
}

/** The typed data a payer signs for an `exact` Permit2 payment. */
export function exactPermit2TypedData(chainId: number, authorization: ExactPermit2Authorization) {
  const { witness } = authorization
  return {
    domain: permit2Domain(chainId),
    types: exactPermit2Types,
    primaryType: 'PermitWitnessTransferFrom' as const,
    message: {
      ...permitMessage(authorization),
      witness: { to: getAddress(witness.to), validAfter: BigInt(witness.validAfter) },
    },
  }
}

/** The typed data a payer signs for an `upto` payment: the witness names the facilitator. */
export function uptoPermit2TypedData(chainId: number, authorization: UptoPermit2Authorization) {
  const { witness } = authorization
  return {
    domain: permit2Domain(chainId),
    types: uptoPermit2Types,
    primaryType: 'PermitWitnessTransferFrom' as const,
    message: {
      ...permitMessage(authorization),
      witness: {
        to: getAddress(witness.to),
        facilitator: getAddress(witness.facilitator),
        validAfter: BigInt(witness.validAfter),
      },
    },
  }
}

/** The digest Permit2 checks the signature against; the witness shape picks exact or upto. */
export function permit2Digest(chainId: number, authorization: Permit2Authorization): Hex {
  return isUptoAuthorization(authorization)
    ? hashTypedData(uptoPermit2TypedData(chainId, authorization))
    : hashTypedData(exactPermit2TypedData(chainId, authorization))
}

export function isUptoAuthorization(
  authorization: Permit2Authorization,
): authorization is UptoPermit2Authorization {
  return 'facilitator' in authorization.witness
}

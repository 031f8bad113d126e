import type { PaymentRequirements } from '@tollgate/core'
import { type Address, getAddress, type Hex, isAddress } from 'viem'
import { type EvmAsset, findAsset } from '../../assets.ts'
import { type Rejection, validBeforeBufferSeconds } from '../../facilitator/outcome.ts'
import type { NetworkRuntime } from '../../facilitator/runtime.ts'
import { checkContractSignature, checkEcdsaSignature } from '../../facilitator/signature.ts'
import type { Permit2Authorization } from './payload.ts'
import { permit2Digest } from './typedData.ts'

/*
 * The checks an exact and an upto permit share, in the reference order of each.
 */

/** The asset the requirement names, if this network accepts it. */
export function acceptedAsset(
  runtime: NetworkRuntime,
  requirements: PaymentRequirements,
): Rejection | EvmAsset {
  const allowed = findAsset(runtime.assets, requirements.asset)
  if (allowed) return allowed
  return {
    code: 'ASSET_NOT_ALLOWED',
    message: `${requirements.asset} is not accepted on ${runtime.network}`,
  }
}

/** The permit is for `spender` (the scheme's proxy) and pays the requirement's `payTo`. */
export function checkSpenderAndRecipient(
  permit: Permit2Authorization,
  spender: Address,
  requirements: PaymentRequirements,
): Rejection | undefined {
  if (getAddress(permit.spender) !== spender) {
    return { code: 'PERMIT2_SPENDER_INVALID', message: `the spender must be ${spender}` }
  }
  if (
    !isAddress(requirements.payTo, { strict: false }) ||
    getAddress(permit.witness.to) !== getAddress(requirements.payTo)
  ) {
    return { code: 'PERMIT2_RECIPIENT_MISMATCH' }
  }
  return undefined
}

/** The permit can still be settled at `nowSeconds` (undefined: not judged). */
export function checkPermitWindow(
  permit: Permit2Authorization,
  nowSeconds: number | undefined,
): Rejection | undefined {
  if (nowSeconds === undefined) return undefined
  if (BigInt(permit.deadline) < BigInt(nowSeconds + validBeforeBufferSeconds)) {
    return {
      code: 'PERMIT2_DEADLINE_EXPIRED',
      message: 'the permit expires too soon to be settled',
    }
  }
  if (BigInt(permit.witness.validAfter) > BigInt(nowSeconds)) {
    return { code: 'PERMIT2_NOT_YET_VALID' }
  }
  return undefined
}

/**
 * The payer signed the permit: ECDSA for an address without code; for a wallet contract, its
 * ERC-1271 answer is read but not binding (the reference lets the simulation decide).
 */
export async function checkPermit2Signature(
  runtime: NetworkRuntime,
  permit: Permit2Authorization,
  signature: Hex,
  payer: Address,
): Promise<Rejection | undefined> {
  const digest = permit2Digest(runtime.chainId, permit)
  const payerCode = await runtime.client.getCode({ address: payer })
  if (payerCode === undefined || payerCode === '0x') {
    const problem = await checkEcdsaSignature(digest, signature, payer)
    return problem ? { code: 'PERMIT2_SIGNATURE_INVALID', message: problem.message } : undefined
  }
  const problem = await checkContractSignature(runtime.client, digest, signature, payer)
  return problem ? { code: 'PERMIT2_SIGNATURE_INVALID', message: problem.message } : undefined
}

/** Zod's issues as one message. */
export function issuesMessage(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) {
  return issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')
}

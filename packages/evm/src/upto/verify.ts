import type { PaymentPayload, PaymentRequirements } from '@tollgate/core'
import { type Address, encodeFunctionData, getAddress, type Hex } from 'viem'
import type { Authorization } from '../exact/eip3009/payload.ts'
import {
  acceptedAsset,
  checkPermit2Signature,
  checkPermitWindow,
  checkSpenderAndRecipient,
  issuesMessage,
} from '../exact/permit2/checks.ts'
import { permit2Addresses, uptoProxyAbi } from '../exact/permit2/constants.ts'
import {
  isPermit2Payload,
  type UptoPermit2Authorization,
  uptoPermit2PayloadSchema,
} from '../exact/permit2/payload.ts'
import { diagnosePermit2Failure, permit2PayerOf } from '../exact/permit2/verify.ts'
import {
  type Rejection,
  rejected,
  type VerifiedPayment,
  type VerifyOutcome,
} from '../facilitator/outcome.ts'
import { isRevertError, revertMessage } from '../facilitator/rpcErrors.ts'
import type { NetworkRuntime } from '../facilitator/runtime.ts'

/*
 * `upto`: the buyer permits at most `permitted.amount`; the seller settles what was used. At
 * verify, `requirements.amount` is that maximum; at settle it is the charge, which the
 * facilitator caps at the permit. Only the facilitator the witness names may send the permit.
 */

/** What an upto permit moves for a given charge, in the shape settlement reads. */
export function uptoAsAuthorization(
  permit: UptoPermit2Authorization,
  charge: string,
): Authorization {
  return {
    from: permit.from,
    to: permit.witness.to,
    value: charge,
    validAfter: permit.witness.validAfter,
    validBefore: permit.deadline,
    nonce: permit.nonce,
  }
}

/** Calldata of the upto proxy's `settle` for `charge` (sent by the witness's facilitator). */
export function uptoSettleCalldata(
  permit: UptoPermit2Authorization,
  charge: bigint,
  signature: Hex,
): Hex {
  return encodeFunctionData({
    abi: uptoProxyAbi,
    functionName: 'settle',
    args: [
      {
        permitted: {
          token: getAddress(permit.permitted.token),
          amount: BigInt(permit.permitted.amount),
        },
        nonce: BigInt(permit.nonce),
        deadline: BigInt(permit.deadline),
      },
      charge,
      getAddress(permit.from),
      {
        to: getAddress(permit.witness.to),
        facilitator: getAddress(permit.witness.facilitator),
        validAfter: BigInt(permit.witness.validAfter),
      },
      signature,
    ],
  })
}

/**
 * Verifies an `upto` permit in the reference order: scheme, network, asset, payload, spender
 * (the upto proxy), recipient, facilitator (one of this facilitator's signers), deadline,
 * validAfter, amount, token, signature, then a simulation of the proxy's `settle` from the
 * named facilitator. `settling`: `requirements.amount` is the charge (capped at the permit)
 * rather than the maximum.
 */
export async function verifyUptoPermit2(
  runtime: NetworkRuntime,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  options: { nowSeconds: number; simulate: boolean; settling: boolean },
): Promise<VerifyOutcome> {
  const local = checkUptoWithoutRpc(runtime, payload, requirements, {
    nowSeconds: options.nowSeconds,
    settling: options.settling,
  })
  if ('code' in local) return rejected(local, permit2PayerOf(payload))
  const { permit, signature, asset, charge } = local
  const payer = getAddress(permit.from)
  const verified: VerifiedPayment = {
    payer,
    asset,
    authorization: uptoAsAuthorization(permit, charge.toString()),
    signature: { inner: signature },
    permit2: permit,
  }
  const signatureProblem = await checkPermit2Signature(runtime, permit, signature, payer)
  if (signatureProblem) return rejected(signatureProblem, payer)
  // A zero charge moves nothing and needs no transaction: there is nothing to simulate.
  if (!options.simulate || charge === 0n) return { response: { isValid: true, payer }, verified }
  try {
    await runtime.client.call({
      account: getAddress(permit.witness.facilitator),
      to: permit2Addresses.uptoProxy,
      data: uptoSettleCalldata(permit, charge, signature),
    })
  } catch (error) {
    if (!isRevertError(error)) throw error
    const code = await diagnosePermit2Failure(
      runtime,
      asset,
      verified.authorization,
      permit2Addresses.uptoProxy,
    )
    return rejected({ code, message: revertMessage(error) }, payer)
  }
  return { response: { isValid: true, payer }, verified }
}

/** The checks without RPC; with `nowSeconds` undefined the time window is left out. */
export function checkUptoWithoutRpc(
  runtime: NetworkRuntime,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  options: { nowSeconds: number | undefined; settling: boolean },
):
  | Rejection
  | { permit: UptoPermit2Authorization; signature: Hex; asset: Address; charge: bigint } {
  // Only an upto permit is read here (the reference answers anything else the same way).
  const permit2 = payload.payload.permit2Authorization as { witness?: unknown } | undefined
  const witness = permit2?.witness as Record<string, unknown> | undefined
  if (
    !isPermit2Payload(payload.payload) ||
    typeof witness !== 'object' ||
    !('facilitator' in witness)
  ) {
    return { code: 'PAYLOAD_TYPE_UNSUPPORTED' }
  }
  if (payload.accepted.scheme !== 'upto' || requirements.scheme !== 'upto') {
    return { code: 'UPTO_SCHEME_INVALID' }
  }
  if (
    payload.accepted.network !== requirements.network ||
    requirements.network !== runtime.network
  ) {
    return { code: 'UPTO_NETWORK_MISMATCH' }
  }
  const allowed = acceptedAsset(runtime, requirements)
  if ('code' in allowed) return allowed
  const parsed = uptoPermit2PayloadSchema.safeParse(payload.payload)
  if (!parsed.success)
    return { code: 'PAYLOAD_MALFORMED', message: issuesMessage(parsed.error.issues) }
  const { permit2Authorization: permit, signature } = parsed.data
  const misdirected = checkSpenderAndRecipient(permit, permit2Addresses.uptoProxy, requirements)
  if (misdirected) return misdirected
  const facilitator = getAddress(permit.witness.facilitator)
  if (!runtime.signers.some((signer) => getAddress(signer.address) === facilitator)) {
    return {
      code: 'UPTO_FACILITATOR_MISMATCH',
      message: `the permit names facilitator ${facilitator}, which does not settle here`,
    }
  }
  const untimely = checkPermitWindow(permit, options.nowSeconds)
  if (untimely) return untimely
  const permitted = BigInt(permit.permitted.amount)
  const asked = BigInt(requirements.amount)
  if (options.settling && asked > permitted) {
    return {
      code: 'UPTO_SETTLEMENT_EXCEEDS_AMOUNT',
      message: `the charge ${asked} exceeds the permitted ${permitted}`,
    }
  }
  if (!options.settling && asked !== permitted) {
    return {
      code: 'PERMIT2_AMOUNT_MISMATCH',
      message: `permitted ${permitted}, the maximum asked is ${asked}`,
    }
  }
  if (getAddress(permit.permitted.token) !== allowed.address) {
    return { code: 'PERMIT2_TOKEN_MISMATCH' }
  }
  return { permit, signature: signature as Hex, asset: allowed.address, charge: asked }
}

import {
  type ErrorCode,
  type PaymentPayload,
  type PaymentRequirements,
  reject,
  type VerifyResponse,
} from '@tollgate/core'
import { type Address, encodeFunctionData, getAddress, type Hex, isAddress } from 'viem'
import { findAsset } from '../assets.ts'
import { isRevertError, revertMessage } from '../facilitator/rpcErrors.ts'
import type { NetworkRuntime } from '../facilitator/runtime.ts'
import { checkContractSignature, checkEcdsaSignature } from '../facilitator/signature.ts'
import { validBeforeBufferSeconds } from '../facilitator/verify.ts'
import { erc20ApprovalAbi, permit2Abi, permit2Addresses, permit2ProxyAbi } from './constants.ts'
import { type ExactPermit2Authorization, exactPermit2PayloadSchema } from './payload.ts'
import { permit2Digest } from './typedData.ts'

/** An exact Permit2 payment that passed every check, with what a settlement needs. */
export interface VerifiedPermit2Payment {
  payer: Address
  asset: Address
  authorization: ExactPermit2Authorization
  signature: Hex
}

export type Permit2VerifyOutcome =
  | { response: VerifyResponse & { isValid: false }; verified?: undefined }
  | { response: VerifyResponse & { isValid: true }; verified: VerifiedPermit2Payment }

type Rejection = { code: ErrorCode; message?: string }

/** Calldata of the exact proxy's `settle` for a verified payment. */
export function exactPermit2SettleCalldata(
  authorization: ExactPermit2Authorization,
  signature: Hex,
): Hex {
  return encodeFunctionData({
    abi: permit2ProxyAbi,
    functionName: 'settle',
    args: [
      {
        permitted: {
          token: getAddress(authorization.permitted.token),
          amount: BigInt(authorization.permitted.amount),
        },
        nonce: BigInt(authorization.nonce),
        deadline: BigInt(authorization.deadline),
      },
      getAddress(authorization.from),
      {
        to: getAddress(authorization.witness.to),
        validAfter: BigInt(authorization.witness.validAfter),
      },
      signature,
    ],
  })
}

/**
 * Verifies an `exact` Permit2 payment in the reference order: scheme, network, asset, payload,
 * spender (the exact proxy), recipient, deadline, validAfter, exact amount, token, signature
 * (ECDSA, or ERC-1271 for a payer with code), then a simulation of the proxy's `settle` from the
 * facilitator's signer. A failed simulation is named from the chain: proxy missing, nonce used,
 * Permit2 not approved, balance short.
 */
export async function verifyExactPermit2(
  runtime: NetworkRuntime,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  nowSeconds: number,
): Promise<Permit2VerifyOutcome> {
  const local = checkWithoutRpc(runtime, payload, requirements, nowSeconds)
  if ('code' in local) return rejected(local, payerOf(payload))
  const { authorization, signature, asset } = local
  const payer = getAddress(authorization.from)
  const digest = permit2Digest(runtime.chainId, authorization)
  const payerCode = await runtime.client.getCode({ address: payer })
  const payerHasCode = payerCode !== undefined && payerCode !== '0x'
  if (!payerHasCode) {
    const problem = await checkEcdsaSignature(digest, signature, payer)
    if (problem)
      return rejected({ code: 'PERMIT2_SIGNATURE_INVALID', message: problem.message }, payer)
  } else {
    // A wallet that refuses here may still accept in the simulation (the reference lets it through).
    await checkContractSignature(runtime.client, digest, signature, payer)
  }
  try {
    await runtime.client.call({
      account: runtime.signers[0]!.address,
      to: permit2Addresses.exactProxy,
      data: exactPermit2SettleCalldata(authorization, signature),
    })
  } catch (error) {
    if (!isRevertError(error)) throw error
    const code = await diagnosePermit2Failure(runtime, asset, authorization)
    return rejected({ code, message: revertMessage(error) }, payer)
  }
  return {
    response: { isValid: true, payer },
    verified: { payer, asset, authorization, signature },
  }
}

function checkWithoutRpc(
  runtime: NetworkRuntime,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  nowSeconds: number,
): Rejection | { authorization: ExactPermit2Authorization; signature: Hex; asset: Address } {
  if (payload.accepted.scheme !== 'exact' || requirements.scheme !== 'exact') {
    return { code: 'PAYLOAD_TYPE_UNSUPPORTED' }
  }
  if (
    payload.accepted.network !== requirements.network ||
    requirements.network !== runtime.network
  ) {
    return { code: 'EVM_EXACT_NETWORK_MISMATCH' }
  }
  const allowed = findAsset(runtime.assets, requirements.asset)
  if (!allowed) {
    return {
      code: 'ASSET_NOT_ALLOWED',
      message: `${requirements.asset} is not accepted on ${runtime.network}`,
    }
  }
  const parsed = exactPermit2PayloadSchema.safeParse(payload.payload)
  if (!parsed.success) {
    return {
      code: 'PAYLOAD_MALFORMED',
      message: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
    }
  }
  const { permit2Authorization: authorization, signature } = parsed.data
  if (getAddress(authorization.spender) !== permit2Addresses.exactProxy) {
    return {
      code: 'PERMIT2_SPENDER_INVALID',
      message: `the spender must be ${permit2Addresses.exactProxy}`,
    }
  }
  if (
    !isAddress(requirements.payTo, { strict: false }) ||
    getAddress(authorization.witness.to) !== getAddress(requirements.payTo)
  ) {
    return { code: 'PERMIT2_RECIPIENT_MISMATCH' }
  }
  if (BigInt(authorization.deadline) < BigInt(nowSeconds + validBeforeBufferSeconds)) {
    return {
      code: 'PERMIT2_DEADLINE_EXPIRED',
      message: 'the permit expires too soon to be settled',
    }
  }
  if (BigInt(authorization.witness.validAfter) > BigInt(nowSeconds)) {
    return { code: 'PERMIT2_NOT_YET_VALID' }
  }
  if (BigInt(authorization.permitted.amount) !== BigInt(requirements.amount)) {
    return {
      code: 'PERMIT2_AMOUNT_MISMATCH',
      message: `signed ${authorization.permitted.amount}, required ${requirements.amount}`,
    }
  }
  if (getAddress(authorization.permitted.token) !== allowed.address) {
    return { code: 'PERMIT2_TOKEN_MISMATCH' }
  }
  return { authorization, signature: signature as Hex, asset: allowed.address }
}

/** Why the proxy's settle reverts, read from the chain; the reads go out together. */
export async function diagnosePermit2Failure(
  runtime: NetworkRuntime,
  asset: Address,
  authorization: ExactPermit2Authorization,
): Promise<ErrorCode> {
  const owner = getAddress(authorization.from)
  const nonce = BigInt(authorization.nonce)
  const amount = BigInt(authorization.permitted.amount)
  const [proxyCode, bitmap, allowance, balance] = await Promise.allSettled([
    runtime.client.getCode({ address: permit2Addresses.exactProxy }),
    runtime.client.readContract({
      address: permit2Addresses.permit2,
      abi: permit2Abi,
      functionName: 'nonceBitmap',
      args: [owner, nonce >> 8n],
    }),
    runtime.client.readContract({
      address: asset,
      abi: erc20ApprovalAbi,
      functionName: 'allowance',
      args: [owner, permit2Addresses.permit2],
    }),
    runtime.client.readContract({
      address: asset,
      abi: erc20ApprovalAbi,
      functionName: 'balanceOf',
      args: [owner],
    }),
  ])
  if (
    proxyCode.status === 'fulfilled' &&
    (proxyCode.value === undefined || proxyCode.value === '0x')
  ) {
    return 'PERMIT2_PROXY_NOT_DEPLOYED'
  }
  if (bitmap.status === 'fulfilled' && (bitmap.value >> (nonce & 0xffn)) & 1n)
    return 'PERMIT2_NONCE_USED'
  if (allowance.status === 'fulfilled' && allowance.value < amount)
    return 'PERMIT2_ALLOWANCE_REQUIRED'
  if (balance.status === 'fulfilled' && balance.value < amount)
    return 'PERMIT2_BALANCE_INSUFFICIENT'
  return 'PERMIT2_SIMULATION_FAILED'
}

function rejected(rejection: Rejection, payer: string | undefined): Permit2VerifyOutcome {
  return { response: reject(rejection.code, { message: rejection.message, payer }) }
}

function payerOf(payload: PaymentPayload): string | undefined {
  const auth = payload.payload.permit2Authorization as { from?: unknown } | undefined
  return typeof auth?.from === 'string' && isAddress(auth.from, { strict: false })
    ? getAddress(auth.from)
    : undefined
}

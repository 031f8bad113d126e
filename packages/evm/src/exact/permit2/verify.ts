import type { ErrorCode, PaymentPayload, PaymentRequirements } from '@tollgate/core'
import { type Address, encodeFunctionData, getAddress, type Hex, isAddress } from 'viem'
import {
  type Rejection,
  rejected,
  type VerifiedPayment,
  type VerifyOutcome,
} from '../../facilitator/outcome.ts'
import { isRevertError, revertMessage } from '../../facilitator/rpcErrors.ts'
import type { NetworkRuntime } from '../../facilitator/runtime.ts'
import type { Authorization } from '../eip3009/payload.ts'
import {
  acceptedAsset,
  checkPermit2Signature,
  checkPermitWindow,
  checkSpenderAndRecipient,
  issuesMessage,
} from './checks.ts'
import { erc20ApprovalAbi, permit2Abi, permit2Addresses, permit2ProxyAbi } from './constants.ts'
import { type ExactPermit2Authorization, exactPermit2PayloadSchema } from './payload.ts'

/** What a permit moves, in the shape every settlement step reads (see `VerifiedPayment`). */
export function permit2AsAuthorization(permit: ExactPermit2Authorization): Authorization {
  return {
    from: permit.from,
    to: permit.witness.to,
    value: permit.permitted.amount,
    validAfter: permit.witness.validAfter,
    validBefore: permit.deadline,
    nonce: permit.nonce,
  }
}

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
  options: {
    nowSeconds: number
    simulate: boolean
    /** The same permit, fully verified moments ago: only the checks without RPC run again. */
    verifiedBefore?: VerifiedPayment | undefined
  },
): Promise<VerifyOutcome> {
  const local = checkPermit2WithoutRpc(runtime, payload, requirements, options.nowSeconds)
  if ('code' in local) return rejected(local, permit2PayerOf(payload))
  const { permit, signature, asset } = local
  const payer = getAddress(permit.from)
  const verified: VerifiedPayment = {
    payer,
    asset,
    authorization: permit2AsAuthorization(permit),
    signature: { inner: signature },
    permit2: permit,
  }
  const before = options.verifiedBefore
  const samePermit = (other: ExactPermit2Authorization) =>
    JSON.stringify(other).toLowerCase() === JSON.stringify(permit).toLowerCase()
  if (
    before?.permit2 &&
    samePermit(before.permit2) &&
    before.signature.inner.toLowerCase() === signature.toLowerCase()
  ) {
    return { response: { isValid: true, payer }, verified: before }
  }
  const signatureProblem = await checkPermit2Signature(runtime, permit, signature, payer)
  if (signatureProblem) return rejected(signatureProblem, payer)
  if (!options.simulate) return { response: { isValid: true, payer }, verified }
  try {
    await runtime.client.call({
      account: runtime.signers[0]!.address,
      to: permit2Addresses.exactProxy,
      data: exactPermit2SettleCalldata(permit, signature),
    })
  } catch (error) {
    if (!isRevertError(error)) throw error
    const code = await diagnosePermit2Failure(runtime, asset, verified.authorization)
    return rejected({ code, message: revertMessage(error) }, payer)
  }
  return { response: { isValid: true, payer }, verified }
}

/**
 * The checks without RPC, in the reference order; with `nowSeconds` undefined the time window
 * is left out (a retry after expiry still learns a recorded outcome).
 */
export function checkPermit2WithoutRpc(
  runtime: NetworkRuntime,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
  nowSeconds: number | undefined,
): Rejection | { permit: ExactPermit2Authorization; signature: Hex; asset: Address } {
  if (payload.accepted.scheme !== 'exact' || requirements.scheme !== 'exact') {
    return { code: 'PAYLOAD_TYPE_UNSUPPORTED' }
  }
  if (
    payload.accepted.network !== requirements.network ||
    requirements.network !== runtime.network
  ) {
    return { code: 'EVM_EXACT_NETWORK_MISMATCH' }
  }
  const allowed = acceptedAsset(runtime, requirements)
  if ('code' in allowed) return allowed
  const parsed = exactPermit2PayloadSchema.safeParse(payload.payload)
  if (!parsed.success)
    return { code: 'PAYLOAD_MALFORMED', message: issuesMessage(parsed.error.issues) }
  const { permit2Authorization: permit, signature } = parsed.data
  const problem =
    checkSpenderAndRecipient(permit, permit2Addresses.exactProxy, requirements) ??
    checkPermitWindow(permit, nowSeconds)
  if (problem) return problem
  if (BigInt(permit.permitted.amount) !== BigInt(requirements.amount)) {
    return {
      code: 'PERMIT2_AMOUNT_MISMATCH',
      message: `signed ${permit.permitted.amount}, required ${requirements.amount}`,
    }
  }
  if (getAddress(permit.permitted.token) !== allowed.address) {
    return { code: 'PERMIT2_TOKEN_MISMATCH' }
  }
  return { permit, signature: signature as Hex, asset: allowed.address }
}

/** Whether Permit2 has spent this owner's nonce (a settlement, or the owner invalidated it). */
export async function permit2NonceUsed(
  runtime: NetworkRuntime,
  owner: Address,
  nonce: bigint,
): Promise<boolean> {
  const bitmap = await runtime.client.readContract({
    address: permit2Addresses.permit2,
    abi: permit2Abi,
    functionName: 'nonceBitmap',
    args: [owner, nonce >> 8n],
  })
  return ((bitmap >> (nonce & 0xffn)) & 1n) === 1n
}

/** Why the proxy's settle reverts, read from the chain; the reads go out together. */
export async function diagnosePermit2Failure(
  runtime: NetworkRuntime,
  asset: Address,
  authorization: Authorization,
  proxy: Address = permit2Addresses.exactProxy,
): Promise<ErrorCode> {
  const owner = getAddress(authorization.from)
  const amount = BigInt(authorization.value)
  const [proxyCode, used, allowance, balance] = await Promise.allSettled([
    runtime.client.getCode({ address: proxy }),
    permit2NonceUsed(runtime, owner, BigInt(authorization.nonce)),
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
  if (used.status === 'fulfilled' && used.value) return 'PERMIT2_NONCE_USED'
  if (allowance.status === 'fulfilled' && allowance.value < amount)
    return 'PERMIT2_ALLOWANCE_REQUIRED'
  if (balance.status === 'fulfilled' && balance.value < amount)
    return 'PERMIT2_BALANCE_INSUFFICIENT'
  return 'PERMIT2_SIMULATION_FAILED'
}

export function permit2PayerOf(payload: PaymentPayload): string | undefined {
  const permit = payload.payload.permit2Authorization as { from?: unknown } | undefined
  return typeof permit?.from === 'string' && isAddress(permit.from, { strict: false })
    ? getAddress(permit.from)
    : undefined
}

import type { ErrorCode, PaymentRequirements } from '@tollgate/core'
import {
  type Address,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  type Hex,
  hashTypedData,
  parseErc6492Signature,
} from 'viem'
import { erc20ApprovalAbi, permit2Addresses } from '../../exact/permit2/constants.ts'
import { validBeforeBufferSeconds } from '../../facilitator/outcome.ts'
import type { NetworkRuntime } from '../../facilitator/runtime.ts'
import {
  batchSettlementAbi,
  batchSettlementAddresses,
  depositPermit2Types,
  receiveWithAuthorizationTypes,
} from '../constants.ts'
import type { DepositPayload } from '../payload.ts'
import { contractChannelConfig, depositNonceOf } from '../typedData.ts'
import { batchExtraOf, sameAddress } from './configCheck.ts'
import { signatureProblem } from './signatures.ts'

export type DepositMethod = 'eip3009' | 'permit2'

/** The escrow call that makes a deposit, and who must have signed what for it. */
export interface DepositCall {
  method: DepositMethod
  collector: Address
  collectorData: Hex
  /** The escrow's `deposit(config, amount, collector, collectorData)` calldata. */
  data: Hex
  /** What spends the payer's authorization exactly once: the ERC-3009 or the Permit2 nonce. */
  authorizationKey: string
}

type Problem = { code: ErrorCode; message?: string }

/** The transfer method a route asks for: ERC-3009 unless its requirements say Permit2. */
export function depositMethodOf(requirements: PaymentRequirements): DepositMethod {
  return batchExtraOf(requirements).assetTransferMethod === 'permit2' ? 'permit2' : 'eip3009'
}

/** Builds the deposit call of a payload, or says which field makes it impossible. */
export function depositCallOf(
  payload: DepositPayload,
  requirements: PaymentRequirements,
): DepositCall | Problem {
  const method = depositMethodOf(requirements)
  const { authorization } = payload.deposit
  const config = contractChannelConfig(payload.channelConfig)
  const amount = BigInt(payload.deposit.amount)
  const call = (collector: Address, collectorData: Hex, authorizationKey: string): DepositCall => ({
    method,
    collector,
    collectorData,
    data: encodeFunctionData({
      abi: batchSettlementAbi,
      functionName: 'deposit',
      args: [config, amount, collector, collectorData],
    }),
    authorizationKey,
  })
  if (method === 'eip3009') {
    if (!('erc3009Authorization' in authorization))
      return { code: 'BATCH_ERC3009_AUTHORIZATION_REQUIRED' }
    const auth = authorization.erc3009Authorization
    // An ERC-6492 wrapper is for deploying a wallet first; the collector takes the inner signature.
    const { signature } = parseErc6492Signature(auth.signature as Hex)
    const collectorData = encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }],
      [BigInt(auth.validAfter), BigInt(auth.validBefore), BigInt(auth.salt), signature],
    )
    const nonce = depositNonceOf(payload.voucher.channelId as Hex, auth.salt as Hex)
    return call(
      batchSettlementAddresses.erc3009Collector,
      collectorData,
      `eip3009|${getAddress(payload.channelConfig.payer)}|${nonce}`,
    )
  }
  if (!('permit2Authorization' in authorization))
    return { code: 'BATCH_PERMIT2_AUTHORIZATION_REQUIRED' }
  const permit = authorization.permit2Authorization
  const collectorData = encodeAbiParameters(
    [{ type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }, { type: 'bytes' }],
    [BigInt(permit.nonce), BigInt(permit.deadline), permit.signature as Hex, '0x'],
  )
  return call(
    batchSettlementAddresses.permit2Collector,
    collectorData,
    `permit2|${getAddress(permit.from)}|${permit.nonce}`,
  )
}

/** The payer's deposit authorization checked without moving anything: fields, time, signature. */
export async function depositAuthorizationProblem(
  runtime: NetworkRuntime,
  payload: DepositPayload,
  requirements: PaymentRequirements,
  nowSeconds: number,
): Promise<Problem | undefined> {
  const payer = getAddress(payload.channelConfig.payer)
  const amount = BigInt(payload.deposit.amount)
  const { authorization } = payload.deposit
  if (depositMethodOf(requirements) === 'eip3009') {
    if (!('erc3009Authorization' in authorization))
      return { code: 'BATCH_ERC3009_AUTHORIZATION_REQUIRED' }
    const auth = authorization.erc3009Authorization
    const extra = batchExtraOf(requirements)
    if (!extra.name || !extra.version) return { code: 'BATCH_MISSING_EIP712_DOMAIN' }
    if (BigInt(auth.validBefore) < BigInt(nowSeconds + validBeforeBufferSeconds))
      return { code: 'BATCH_VALID_BEFORE_EXPIRED' }
    if (BigInt(auth.validAfter) > BigInt(nowSeconds)) return { code: 'BATCH_VALID_AFTER_IN_FUTURE' }
    const digest = hashTypedData({
      domain: {
        name: extra.name,
        version: extra.version,
        chainId: runtime.chainId,
        verifyingContract: getAddress(requirements.asset),
      },
      types: receiveWithAuthorizationTypes,
      primaryType: 'ReceiveWithAuthorization',
      message: {
        from: payer,
        to: batchSettlementAddresses.erc3009Collector,
        value: amount,
        validAfter: BigInt(auth.validAfter),
        validBefore: BigInt(auth.validBefore),
        nonce: depositNonceOf(payload.voucher.channelId as Hex, auth.salt as Hex),
      },
    })
    const { signature } = parseErc6492Signature(auth.signature as Hex)
    const problem = await signatureProblem(runtime, digest, signature, payer)
    return problem
      ? { code: 'BATCH_INVALID_RECEIVE_AUTHORIZATION_SIGNATURE', message: problem }
      : undefined
  }
  if (!('permit2Authorization' in authorization))
    return { code: 'BATCH_PERMIT2_AUTHORIZATION_REQUIRED' }
  const permit = authorization.permit2Authorization
  if (!sameAddress(permit.spender, batchSettlementAddresses.permit2Collector))
    return { code: 'BATCH_PERMIT2_INVALID_SPENDER' }
  if (!sameAddress(permit.permitted.token, requirements.asset))
    return { code: 'BATCH_TOKEN_MISMATCH' }
  if (BigInt(permit.permitted.amount) !== amount) return { code: 'BATCH_PERMIT2_AMOUNT_MISMATCH' }
  if (permit.witness.channelId.toLowerCase() !== payload.voucher.channelId.toLowerCase())
    return { code: 'BATCH_CHANNEL_ID_MISMATCH' }
  if (!sameAddress(permit.from, payer))
    return {
      code: 'BATCH_PERMIT2_INVALID_SIGNATURE',
      message: 'the permit is not from the channel payer',
    }
  if (BigInt(permit.deadline) < BigInt(nowSeconds + validBeforeBufferSeconds))
    return { code: 'BATCH_PERMIT2_DEADLINE_EXPIRED' }
  const digest = hashTypedData({
    domain: {
      name: 'Permit2',
      chainId: runtime.chainId,
      verifyingContract: permit2Addresses.permit2,
    },
    types: depositPermit2Types,
    primaryType: 'PermitWitnessTransferFrom',
    message: {
      permitted: { token: getAddress(permit.permitted.token), amount },
      spender: batchSettlementAddresses.permit2Collector,
      nonce: BigInt(permit.nonce),
      deadline: BigInt(permit.deadline),
      witness: { channelId: permit.witness.channelId as Hex },
    },
  })
  const problem = await signatureProblem(runtime, digest, permit.signature as Hex, payer)
  if (problem) return { code: 'BATCH_PERMIT2_INVALID_SIGNATURE', message: problem }
  const allowance = await runtime.client.readContract({
    address: getAddress(requirements.asset),
    abi: erc20ApprovalAbi,
    functionName: 'allowance',
    args: [payer, permit2Addresses.permit2],
  })
  return allowance < amount ? { code: 'BATCH_PERMIT2_ALLOWANCE_REQUIRED' } : undefined
}

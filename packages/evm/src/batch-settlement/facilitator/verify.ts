import {
  type ErrorCode,
  type PaymentPayload,
  type PaymentRequirements,
  reject,
  type VerifyResponse,
} from '@tollgate/core'
import { getAddress, type Hex } from 'viem'
import { issuesMessage } from '../../exact/permit2/checks.ts'
import { erc20ApprovalAbi } from '../../exact/permit2/constants.ts'
import type { NetworkRuntime } from '../../facilitator/runtime.ts'
import { shortMessage } from '../../facilitator/signature.ts'
import { batchSettlementAddresses, batchSettlementScheme } from '../constants.ts'
import {
  type BatchClientPayload,
  type ChannelConfig,
  type ChannelState,
  channelStateExtra,
  type DepositPayload,
  parseBatchClientPayload,
} from '../payload.ts'
import { voucherDigest, voucherSignedByAuthorizer } from '../typedData.ts'
import { readChannelState } from './channelState.ts'
import { channelConfigProblem } from './configCheck.ts'
import { depositAuthorizationProblem, depositCallOf } from './depositCall.ts'
import { signatureProblem } from './signatures.ts'

const clientTypes = new Set(['deposit', 'voucher', 'refund'])

/** A payload read for this scheme, or the answer that refuses it. */
export function parseBatchPayload(
  payment: PaymentPayload,
  requirements: PaymentRequirements,
): { payload: BatchClientPayload } | { response: VerifyResponse & { isValid: false } } {
  if (
    payment.accepted.scheme !== batchSettlementScheme ||
    requirements.scheme !== batchSettlementScheme
  )
    return { response: reject('BATCH_INVALID_SCHEME') }
  if (payment.accepted.network !== requirements.network)
    return { response: reject('BATCH_NETWORK_MISMATCH') }
  const raw = payment.payload as Record<string, unknown>
  // Not String(raw.type): an object whose own `toString` is not a function makes that throw.
  if (typeof raw.type !== 'string' || !clientTypes.has(raw.type))
    return { response: reject('BATCH_INVALID_PAYLOAD_TYPE') }
  const parsed = parseBatchClientPayload(raw)
  if (!parsed.success)
    return {
      response: reject('PAYLOAD_MALFORMED', { message: issuesMessage(parsed.error.issues) }),
    }
  return { payload: parsed.data }
}

/**
 * Whether the payer signed a voucher for `maxClaimableAmount`: by recovery alone when the channel
 * names a payer authorizer (as the escrow does), else as the payer's own signature (ECDSA or
 * ERC-1271), which needs the chain.
 */
export async function voucherProblem(
  runtime: NetworkRuntime,
  config: ChannelConfig,
  channelId: Hex,
  maxClaimableAmount: bigint,
  signature: Hex,
): Promise<string | undefined> {
  const byAuthorizer = await voucherSignedByAuthorizer(
    config,
    channelId,
    maxClaimableAmount,
    signature,
    runtime.chainId,
  )
  if (byAuthorizer === true) return undefined
  if (byAuthorizer === false) return 'the voucher is not signed by the channel payer authorizer'
  return signatureProblem(
    runtime,
    voucherDigest(channelId, maxClaimableAmount, runtime.chainId),
    signature,
    getAddress(config.payer),
  )
}

/**
 * The facilitator's verify for batch-settlement, in the reference's order: the scheme and network,
 * the channel config against the requirements, then per payload type the deposit authorization,
 * the voucher's signature and the voucher against the escrow's state (and a simulated deposit).
 * A valid answer carries the channel's state in `extra`.
 */
export async function verifyBatchPayment(
  runtime: NetworkRuntime,
  payment: PaymentPayload,
  requirements: PaymentRequirements,
  nowSeconds: number,
): Promise<VerifyResponse> {
  const read = parseBatchPayload(payment, requirements)
  if ('response' in read) return read.response
  const { payload } = read
  const payer = getAddress(payload.channelConfig.payer)
  const refuse = (code: ErrorCode, message?: string) => reject(code, { payer, message })
  const channelId = payload.voucher.channelId as Hex
  const configProblem = channelConfigProblem(payload.channelConfig, channelId, requirements)
  if (configProblem) return refuse(configProblem)
  try {
    if (payload.type === 'deposit') {
      const problem = await depositAuthorizationProblem(runtime, payload, requirements, nowSeconds)
      if (problem) return refuse(problem.code, problem.message)
    }
    const max = BigInt(payload.voucher.maxClaimableAmount)
    const signed = await voucherProblem(
      runtime,
      payload.channelConfig,
      channelId,
      max,
      payload.voucher.signature as Hex,
    )
    if (signed) return refuse('BATCH_INVALID_VOUCHER_SIGNATURE', signed)
    const state = await readChannelState(runtime.client, channelId).catch((error: unknown) => {
      throw new StateReadError(shortMessage(error))
    })
    const judged =
      payload.type === 'deposit'
        ? await judgeDeposit(runtime, payload, requirements, state)
        : judgeVoucher(payload.type, max, state)
    if (judged) return refuse(judged.code, judged.message)
    return { isValid: true, payer, extra: channelStateExtra(channelId, state) }
  } catch (error) {
    if (error instanceof StateReadError) return refuse('BATCH_RPC_READ_FAILED', error.message)
    throw error
  }
}

class StateReadError extends Error {}

function judgeVoucher(
  type: 'voucher' | 'refund',
  max: bigint,
  state: ChannelState,
): { code: ErrorCode; message?: string } | undefined {
  if (state.balance === 0n) return { code: 'BATCH_CHANNEL_NOT_FOUND' }
  if (max > state.balance) return { code: 'BATCH_CUMULATIVE_EXCEEDS_BALANCE' }
  // A refund's voucher may equal what is claimed (it charges nothing); a payment's must exceed it.
  const below = type === 'refund' ? max < state.totalClaimed : max <= state.totalClaimed
  return below ? { code: 'BATCH_CUMULATIVE_AMOUNT_BELOW_CLAIMED' } : undefined
}

async function judgeDeposit(
  runtime: NetworkRuntime,
  payload: DepositPayload,
  requirements: PaymentRequirements,
  state: ChannelState,
): Promise<{ code: ErrorCode; message?: string } | undefined> {
  const amount = BigInt(payload.deposit.amount)
  const max = BigInt(payload.voucher.maxClaimableAmount)
  const held = await runtime.client
    .readContract({
      address: getAddress(requirements.asset),
      abi: erc20ApprovalAbi,
      functionName: 'balanceOf',
      args: [getAddress(payload.channelConfig.payer)],
    })
    .catch((error: unknown) => {
      throw new StateReadError(shortMessage(error))
    })
  if (held < amount) return { code: 'BATCH_INSUFFICIENT_BALANCE' }
  if (max > state.balance + amount) return { code: 'BATCH_CUMULATIVE_EXCEEDS_BALANCE' }
  if (max <= state.totalClaimed) return { code: 'BATCH_CUMULATIVE_AMOUNT_BELOW_CLAIMED' }
  const call = depositCallOf(payload, requirements)
  if ('code' in call) return call
  try {
    await runtime.client.call({
      account: runtime.signers[0]!.address,
      to: batchSettlementAddresses.escrow,
      data: call.data,
    })
  } catch (error) {
    return { code: 'BATCH_DEPOSIT_SIMULATION_FAILED', message: shortMessage(error) }
  }
  return undefined
}

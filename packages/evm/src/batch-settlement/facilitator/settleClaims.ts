import { type SettleContext, type SettleResponse, settleFailure } from '@tollgate/core'
import { encodeFunctionData, getAddress, type Hex, parseEventLogs } from 'viem'
import { issuesMessage } from '../../exact/permit2/checks.ts'
import { shortMessage } from '../../facilitator/signature.ts'
import { batchSettlementAbi, batchSettlementAddresses } from '../constants.ts'
import {
  channelStateExtra,
  claimPayloadSchema,
  enrichedRefundPayloadSchema,
  settlePayloadSchema,
  type VoucherClaim,
} from '../payload.ts'
import {
  channelIdOf,
  claimBatchTypedData,
  contractChannelConfig,
  contractVoucherClaim,
  refundTypedData,
} from '../typedData.ts'
import { readChannelState } from './channelState.ts'
import type { BatchSettleContext } from './settle.ts'
import { submitEscrowCall } from './submit.ts'

/**
 * Claims a batch of vouchers with `claimWithSignature`. Rows that would make the whole batch
 * revert (a voucher over its channel's balance, a bad signature) are found by simulating each
 * row alone and left out, so one failing channel never blocks the others (x402 #2559); when
 * the server signed the batch itself, the batch cannot change and the answer names them.
 */
export async function settleClaims(
  context: BatchSettleContext,
  raw: unknown,
  network: string,
): Promise<SettleResponse> {
  const parsed = claimPayloadSchema.safeParse(raw)
  if (!parsed.success)
    return settleFailure('PAYLOAD_MALFORMED', {
      network,
      message: issuesMessage(parsed.error.issues),
    })
  let claims = parsed.data.claims
  let signature = parsed.data.claimAuthorizerSignature as Hex | undefined
  if (!signature) {
    const refusal = authorizerRefusal(context, claims, network)
    if (refusal) return refusal
  }
  const failing = await failingRows(context, claims, signature)
  if (failing.length > 0) {
    if (signature)
      return settleFailure('BATCH_CLAIM_SIMULATION_FAILED', {
        network,
        message: failingMessage(failing),
      })
    claims = claims.filter((claim) => !failing.some((row) => row.claim === claim))
    if (claims.length === 0)
      return settleFailure('BATCH_CLAIM_SIMULATION_FAILED', {
        network,
        message: failingMessage(failing),
      })
  }
  signature ??= await context.authorizer!.signTypedData(
    claimBatchTypedData(claims, context.runtime.chainId),
  )
  const data = encodeFunctionData({
    abi: batchSettlementAbi,
    functionName: 'claimWithSignature',
    args: [claims.map(contractVoucherClaim), signature],
  })
  const sent = await submitEscrowCall(
    context,
    { data, kind: 'batch-claim' },
    {
      simulation: 'BATCH_CLAIM_SIMULATION_FAILED',
      transaction: 'BATCH_CLAIM_TRANSACTION_FAILED',
    },
  )
  if (sent.kind === 'failed') return sent.response
  const claimed = parseEventLogs({
    abi: batchSettlementAbi,
    eventName: 'Claimed',
    logs: sent.receipt.logs,
  })
  return {
    success: true,
    transaction: sent.receipt.transactionHash,
    network,
    amount: '',
    extra: {
      claimed: claimed.map((log) => ({
        channelId: log.args.channelId,
        amount: log.args.claimAmount.toString(),
        totalClaimed: log.args.newTotalClaimed.toString(),
      })),
      ...(failing.length > 0
        ? { skipped: failing.map((row) => ({ channelId: row.channelId, reason: row.message })) }
        : {}),
    },
  }
}

function authorizerRefusal(
  context: BatchSettleContext,
  claims: readonly VoucherClaim[],
  network: string,
) {
  if (!context.authorizer) return settleFailure('BATCH_AUTHORIZER_NOT_CONFIGURED', { network })
  const ours = getAddress(context.authorizer.address)
  if (claims.some((claim) => getAddress(claim.voucher.channel.receiverAuthorizer) !== ours))
    return settleFailure('BATCH_AUTHORIZER_ADDRESS_MISMATCH', { network })
  return undefined
}

type FailingRow = { claim: VoucherClaim; channelId: Hex; message: string }

/**
 * The rows that make the batch revert. The whole batch is simulated first; only when it fails is
 * each row simulated alone, as `claim` from its receiver authorizer (an `eth_call` needs no key).
 */
async function failingRows(
  context: BatchSettleContext,
  claims: VoucherClaim[],
  signature: Hex | undefined,
): Promise<FailingRow[]> {
  const { runtime } = context
  const escrow = batchSettlementAddresses.escrow
  const whole = signature
    ? encodeFunctionData({
        abi: batchSettlementAbi,
        functionName: 'claimWithSignature',
        args: [claims.map(contractVoucherClaim), signature],
      })
    : encodeFunctionData({
        abi: batchSettlementAbi,
        functionName: 'claim',
        args: [claims.map(contractVoucherClaim)],
      })
  const account = signature
    ? context.lanes.addresses[0]!
    : getAddress(claims[0]!.voucher.channel.receiverAuthorizer)
  const wholeFails = await runtime.client.call({ account, to: escrow, data: whole }).then(
    () => false,
    () => true,
  )
  if (!wholeFails) return []
  const failing: FailingRow[] = []
  for (const claim of claims) {
    const data = encodeFunctionData({
      abi: batchSettlementAbi,
      functionName: 'claim',
      args: [[contractVoucherClaim(claim)]],
    })
    const problem = await runtime.client
      .call({ account: getAddress(claim.voucher.channel.receiverAuthorizer), to: escrow, data })
      .then(
        () => undefined,
        (error: unknown) => shortMessage(error),
      )
    if (problem)
      failing.push({
        claim,
        channelId: channelIdOf(claim.voucher.channel, runtime.chainId),
        message: problem,
      })
  }
  // Every row passes alone but not together: the batch signature is what fails.
  if (failing.length === 0 && signature)
    failing.push(
      ...claims.map((claim) => ({
        claim,
        channelId: channelIdOf(claim.voucher.channel, runtime.chainId),
        message: "the claim batch signature is not the receiver authorizer's",
      })),
    )
  return failing
}

function failingMessage(failing: FailingRow[]): string {
  return failing.map((row) => `${row.channelId}: ${row.message}`).join('; ')
}

/** `settle(receiver, token)`: pays the receiver what was claimed for it and not yet paid. */
export async function settleReceiver(
  context: BatchSettleContext,
  raw: unknown,
  network: string,
): Promise<SettleResponse> {
  const parsed = settlePayloadSchema.safeParse(raw)
  if (!parsed.success)
    return settleFailure('PAYLOAD_MALFORMED', {
      network,
      message: issuesMessage(parsed.error.issues),
    })
  const receiver = getAddress(parsed.data.receiver)
  const token = getAddress(parsed.data.token)
  let owed: bigint
  try {
    const [claimed, settled] = await context.runtime.client.readContract({
      address: batchSettlementAddresses.escrow,
      abi: batchSettlementAbi,
      functionName: 'receivers',
      args: [receiver, token],
    })
    owed = claimed - settled
  } catch (error) {
    return settleFailure('BATCH_RPC_READ_FAILED', { network, message: shortMessage(error) })
  }
  if (owed === 0n)
    return settleFailure('BATCH_NOTHING_TO_SETTLE', {
      network,
      message: 'nothing claimed and unpaid for this receiver and token',
    })
  const data = encodeFunctionData({
    abi: batchSettlementAbi,
    functionName: 'settle',
    args: [receiver, token],
  })
  const sent = await submitEscrowCall(
    context,
    { data, kind: 'batch-sweep' },
    {
      simulation: 'BATCH_SETTLE_SIMULATION_FAILED',
      transaction: 'BATCH_SETTLE_TRANSACTION_FAILED',
    },
  )
  if (sent.kind === 'failed') return sent.response
  const settled = parseEventLogs({
    abi: batchSettlementAbi,
    eventName: 'Settled',
    logs: sent.receipt.logs,
  })
  return {
    success: true,
    transaction: sent.receipt.transactionHash,
    network,
    amount: (settled[0]?.args.amount ?? 0n).toString(),
  }
}

/**
 * A cooperative refund: the channel's last voucher is claimed first (in the same transaction,
 * through the escrow's multicall), then `refundWithSignature` returns the rest to the payer.
 */
export async function settleRefund(
  context: BatchSettleContext,
  raw: unknown,
  network: string,
  caller?: SettleContext,
): Promise<SettleResponse> {
  const parsed = enrichedRefundPayloadSchema.safeParse(raw)
  if (!parsed.success)
    return settleFailure('BATCH_REFUND_PAYLOAD', {
      network,
      message: issuesMessage(parsed.error.issues),
    })
  const payload = parsed.data
  const { chainId } = context.runtime
  const channelId = channelIdOf(payload.channelConfig, chainId)
  const payer = getAddress(payload.channelConfig.payer)
  const amount = BigInt(payload.amount)
  if (amount === 0n) return settleFailure('BATCH_REFUND_AMOUNT_INVALID', { network, payer })
  const before = await readChannelState(context.runtime.client, channelId)
  const claimedAfter = payload.claims.reduce(
    (top, claim) => (BigInt(claim.totalClaimed) > top ? BigInt(claim.totalClaimed) : top),
    before.totalClaimed,
  )
  if (claimedAfter >= before.balance)
    return settleFailure('BATCH_REFUND_NO_BALANCE', {
      network,
      payer,
      message: 'nothing unclaimed to refund',
    })
  const needsOurKey =
    !payload.refundAuthorizerSignature ||
    (payload.claims.length > 0 && !payload.claimAuthorizerSignature)
  if (needsOurKey) {
    const refusal = authorizerRefusal(
      context,
      [
        {
          voucher: { channel: payload.channelConfig, maxClaimableAmount: '0' },
          signature: '0x',
          totalClaimed: '0',
        },
      ],
      network,
    )
    if (refusal) return refusal
    // The seller alone knows what it charged and has not claimed: only it may have the rest of
    // a channel returned with this facilitator's key.
    const receiver = payload.channelConfig.receiver.toLowerCase()
    const callerIsPayee = caller?.callerPayTo?.some((address) => address.toLowerCase() === receiver)
    if (context.refunds === 'payee-key' && !callerIsPayee)
      return settleFailure('BATCH_REFUND_NOT_AUTHORIZED', {
        network,
        payer,
        message: `a refund signed with this facilitator's authorizer needs an API key whose payTo names the channel's receiver ${getAddress(receiver)}`,
      })
  }
  const refundSignature =
    (payload.refundAuthorizerSignature as Hex | undefined) ??
    (await context.authorizer!.signTypedData(
      refundTypedData(channelId, BigInt(payload.refundNonce), amount, chainId),
    ))
  const refundCall = encodeFunctionData({
    abi: batchSettlementAbi,
    functionName: 'refundWithSignature',
    args: [
      contractChannelConfig(payload.channelConfig),
      amount,
      BigInt(payload.refundNonce),
      refundSignature,
    ],
  })
  let data = refundCall
  if (payload.claims.length > 0) {
    const claimSignature =
      (payload.claimAuthorizerSignature as Hex | undefined) ??
      (await context.authorizer!.signTypedData(claimBatchTypedData(payload.claims, chainId)))
    const claimCall = encodeFunctionData({
      abi: batchSettlementAbi,
      functionName: 'claimWithSignature',
      args: [payload.claims.map(contractVoucherClaim), claimSignature],
    })
    data = encodeFunctionData({
      abi: batchSettlementAbi,
      functionName: 'multicall',
      args: [[claimCall, refundCall]],
    })
  }
  const sent = await submitEscrowCall(
    context,
    { data, kind: 'batch-refund', payer },
    {
      simulation: 'BATCH_REFUND_SIMULATION_FAILED',
      transaction: 'BATCH_REFUND_TRANSACTION_FAILED',
    },
  )
  if (sent.kind === 'failed') return sent.response
  const refunded = parseEventLogs({
    abi: batchSettlementAbi,
    eventName: 'Refunded',
    logs: sent.receipt.logs,
  })
  const after = await readChannelState(context.runtime.client, channelId)
  return {
    success: true,
    transaction: sent.receipt.transactionHash,
    network,
    payer,
    amount: (refunded[0]?.args.amount ?? 0n).toString(),
    extra: { channelState: channelStateExtra(channelId, after) },
  }
}

import {
  type FacilitatorClient,
  type PaymentPayload,
  type PaymentRequirements,
  reject,
  type SchemeSettlement,
  type SettleResponse,
  settleFailure,
  type VerifyResponse,
} from '@tollgate/core'
import { getAddress, type Hex, type LocalAccount } from 'viem'
import { channelConfigProblem } from '../facilitator/configCheck.ts'
import { depositCallOf } from '../facilitator/depositCall.ts'
import { parseBatchPayload } from '../facilitator/verify.ts'
import {
  type ChannelState,
  type DepositPayload,
  parseBatchClientPayload,
  type RefundPayload,
  type VoucherPayload,
} from '../payload.ts'
import { claimBatchTypedData, refundTypedData, voucherSignedByAuthorizer } from '../typedData.ts'
import type { ChannelStore, ServerChannel, StoredChannel } from './channelStore.ts'

export interface BatchSettlementContext {
  store: ChannelStore
  /** The channel as this request first read it (see `batchSettlement`). */
  read?: (payload: unknown, channelId: string) => Promise<StoredChannel | undefined>
  facilitator: FacilitatorClient
  /** Signs claims and refunds for channels naming it; else the facilitator's authorizer does. */
  receiverAuthorizer: LocalAccount | undefined
  nowMs: () => number
}

/**
 * The seller's verify and settle for batch-settlement. A voucher is checked here, with no chain
 * round trip (signature by recovery, cumulative amount against the charged total, ceiling against
 * the confirmed deposit) and charged by one compare-and-set on the channel record; a deposit or
 * a refund goes to the facilitator, and its effect is recorded only once its transaction is mined.
 */
export function batchSettlement(context: BatchSettlementContext): SchemeSettlement {
  // One read of a channel per request: the gate asks for the payment's key, verifies it, then
  // settles it, each with the same decoded payload object. A voucher is charged against the
  // version it was verified on, so a write in between makes the charge fail, never stale.
  const reads = new WeakMap<object, Promise<StoredChannel | undefined>>()
  const read = (payload: unknown, channelId: string) => {
    if (typeof payload !== 'object' || payload === null) return context.store.get(channelId)
    let found = reads.get(payload)
    if (!found) {
      found = context.store.get(channelId)
      reads.set(payload, found)
    }
    return found
  }
  const shared = { ...context, read }
  return {
    verify: (payment, requirements) => verify(shared, payment, requirements),
    settle: (payment, requirements) => settle(shared, payment, requirements),
    paymentKey: (payload, requirements) => paymentKeyOf(shared, payload, requirements),
    // A refund returns the payer's funds; it is not a purchase, so no content is served for it.
    settlesAlone: (payload) =>
      typeof payload === 'object' && payload !== null && Reflect.get(payload, 'type') === 'refund',
  }
}

/**
 * A deposit is one authorization; a voucher is one cumulative amount in one life of a channel
 * (its bytes repeat once a closed channel opens again from zero).
 */
async function paymentKeyOf(
  context: BatchSettlementContext,
  raw: unknown,
  requirements: PaymentRequirements,
): Promise<string | undefined> {
  const parsed = parseBatchClientPayload(raw)
  if (!parsed.success) return undefined
  const payload = parsed.data
  if (payload.type === 'deposit') {
    const call = depositCallOf(payload, requirements)
    return 'code' in call ? undefined : `deposit|${call.authorizationKey}`.toLowerCase()
  }
  const stored = await readChannel(context, raw, payload.voucher.channelId)
  const life = stored?.channel.openedBy ?? 'unopened'
  return `${payload.type}|${payload.voucher.channelId}|${life}|${BigInt(payload.voucher.maxClaimableAmount)}`.toLowerCase()
}

type Verdict = VerifyResponse & { corrected?: PaymentRequirements | undefined }

async function verify(
  context: BatchSettlementContext,
  payment: PaymentPayload,
  requirements: PaymentRequirements,
): Promise<Verdict> {
  const read = parseBatchPayload(payment, requirements)
  if ('response' in read) return read.response
  const { payload } = read
  const payer = getAddress(payload.channelConfig.payer)
  const channelId = payload.voucher.channelId
  const problem = channelConfigProblem(payload.channelConfig, channelId, requirements)
  if (problem) return reject(problem, { payer })
  const stored = await readChannel(context, payment.payload, channelId)
  const max = BigInt(payload.voucher.maxClaimableAmount)
  const price = BigInt(requirements.amount)
  // Without a record (a server that never saw this channel), the client's own base is taken:
  // the facilitator then checks it against the escrow, and it only favours the seller.
  const charged = stored
    ? BigInt(stored.channel.chargedCumulativeAmount)
    : payload.type === 'refund'
      ? max
      : max - price
  const expected = payload.type === 'refund' ? charged : charged + price
  if (max !== expected || charged < 0n) {
    return {
      ...reject('BATCH_CUMULATIVE_AMOUNT_MISMATCH', {
        payer,
        message: `the voucher must be for ${expected} in total`,
      }),
      ...(stored ? { corrected: correctedRequirements(requirements, stored.channel) } : {}),
    }
  }
  if (!stored || payload.type === 'deposit')
    return context.facilitator.verify(payment, requirements)
  const chainId = Number(requirements.network.split(':')[1])
  const signed = await voucherSignedByAuthorizer(
    payload.channelConfig,
    channelId as Hex,
    max,
    payload.voucher.signature as Hex,
    chainId,
  )
  // A channel without a payer authorizer is signed by the payer itself, maybe a wallet: the chain judges.
  if (signed === undefined) return context.facilitator.verify(payment, requirements)
  if (!signed) return reject('BATCH_INVALID_VOUCHER_SIGNATURE', { payer })
  if (max > BigInt(stored.channel.balance))
    return reject('BATCH_CUMULATIVE_EXCEEDS_BALANCE', { payer })
  return { isValid: true, payer }
}

function readChannel(context: BatchSettlementContext, raw: unknown, channelId: string) {
  return context.read ? context.read(raw, channelId) : context.store.get(channelId)
}

/** The offer as the client must sign it next: the channel's state and its last voucher. */
function correctedRequirements(
  requirements: PaymentRequirements,
  channel: ServerChannel,
): PaymentRequirements {
  return {
    ...requirements,
    extra: {
      ...requirements.extra,
      channelState: {
        ...stateExtra(channel),
        chargedCumulativeAmount: channel.chargedCumulativeAmount,
      },
      voucherState: {
        signedMaxClaimable: channel.signedMaxClaimable,
        signature: channel.signature,
      },
    },
  }
}

function stateExtra(
  channel: Pick<
    ServerChannel,
    'channelId' | 'balance' | 'totalClaimed' | 'withdrawRequestedAt' | 'refundNonce'
  >,
) {
  return {
    channelId: channel.channelId,
    balance: channel.balance,
    totalClaimed: channel.totalClaimed,
    withdrawRequestedAt: channel.withdrawRequestedAt,
    refundNonce: channel.refundNonce,
  }
}

async function settle(
  context: BatchSettlementContext,
  payment: PaymentPayload,
  requirements: PaymentRequirements,
): Promise<SettleResponse> {
  const read = parseBatchPayload(payment, requirements)
  const network = requirements.network
  if ('response' in read)
    return settleFailure('PAYLOAD_MALFORMED', { network, message: read.response.invalidReason })
  const { payload } = read
  if (payload.type === 'voucher')
    return chargeVoucher(context, payment.payload, payload, requirements)
  if (payload.type === 'deposit') return settleDeposit(context, payment, payload, requirements)
  return settleRefund(context, payment, payload, requirements)
}

/** One compare-and-set moves the charge from the voucher's base to its amount, or nothing moves. */
async function chargeVoucher(
  context: BatchSettlementContext,
  raw: unknown,
  payload: VoucherPayload,
  requirements: PaymentRequirements,
): Promise<SettleResponse> {
  const network = requirements.network
  const payer = getAddress(payload.channelConfig.payer)
  const max = BigInt(payload.voucher.maxClaimableAmount)
  const price = BigInt(requirements.amount)
  const stored = await readChannel(context, raw, payload.voucher.channelId)
  if (!stored) return settleFailure('BATCH_MISSING_CHANNEL', { network, payer })
  if (BigInt(stored.channel.chargedCumulativeAmount) + price !== max)
    return settleFailure('BATCH_CHANNEL_BUSY', {
      network,
      payer,
      message: 'another request charged this channel first',
    })
  if (max > BigInt(stored.channel.balance))
    return settleFailure('BATCH_CUMULATIVE_EXCEEDS_BALANCE', { network, payer })
  const next: ServerChannel = {
    ...stored.channel,
    chargedCumulativeAmount: max.toString(),
    signedMaxClaimable: max.toString(),
    signature: payload.voucher.signature,
    updatedAtMs: context.nowMs(),
  }
  if (!(await context.store.compareAndSet(payload.voucher.channelId, stored.version, next)))
    return settleFailure('BATCH_CHANNEL_BUSY', {
      network,
      payer,
      message: 'another request charged this channel first',
    })
  return chargedResponse(network, payer, '', requirements.amount, next)
}

function chargedResponse(
  network: string,
  payer: string,
  transaction: string,
  charged: string,
  channel: ServerChannel,
  amount = '',
): SettleResponse {
  return {
    success: true,
    transaction,
    network,
    payer,
    amount,
    extra: {
      chargedAmount: charged,
      channelState: {
        ...stateExtra(channel),
        chargedCumulativeAmount: channel.chargedCumulativeAmount,
      },
    },
  }
}

/** The deposit settles through the facilitator; the channel is credited from the mined state. */
async function settleDeposit(
  context: BatchSettlementContext,
  payment: PaymentPayload,
  payload: DepositPayload,
  requirements: PaymentRequirements,
): Promise<SettleResponse> {
  const response = await context.facilitator.settle(payment, requirements)
  if (!response.success) return response
  const state = readState(response.extra)
  const network = requirements.network
  const payer = getAddress(payload.channelConfig.payer)
  if (!state)
    return settleFailure('BATCH_VERIFICATION_STATE_UNAVAILABLE', {
      network,
      payer,
      transaction: response.transaction,
      message: 'the facilitator did not report the channel state after the deposit',
    })
  const max = payload.voucher.maxClaimableAmount
  for (let attempt = 0; attempt < 5; attempt++) {
    const stored = await context.store.get(payload.voucher.channelId)
    const next: ServerChannel = {
      channelId: payload.voucher.channelId.toLowerCase(),
      config: payload.channelConfig,
      ...stateStrings(state),
      chargedCumulativeAmount: max,
      signedMaxClaimable: max,
      signature: payload.voucher.signature,
      openedBy: stored?.channel.openedBy ?? response.transaction,
      updatedAtMs: context.nowMs(),
    }
    if (await context.store.compareAndSet(payload.voucher.channelId, stored?.version ?? 0, next))
      return chargedResponse(
        network,
        payer,
        response.transaction,
        requirements.amount,
        next,
        response.amount ?? payload.deposit.amount,
      )
  }
  return settleFailure('BATCH_CHANNEL_BUSY', { network, payer, transaction: response.transaction })
}

/**
 * A cooperative refund: the last voucher is claimed for what was charged, the rest goes back to
 * the payer, and the record follows the escrow (removed once the channel is closed).
 */
async function settleRefund(
  context: BatchSettlementContext,
  payment: PaymentPayload,
  payload: RefundPayload,
  requirements: PaymentRequirements,
): Promise<SettleResponse> {
  const network = requirements.network
  const payer = getAddress(payload.channelConfig.payer)
  const channelId = payload.voucher.channelId
  const stored = await context.store.get(channelId)
  if (!stored) return settleFailure('BATCH_MISSING_CHANNEL', { network, payer })
  const channel = stored.channel
  const remainder = BigInt(channel.balance) - BigInt(channel.chargedCumulativeAmount)
  if (remainder <= 0n) return settleFailure('BATCH_REFUND_NO_BALANCE', { network, payer })
  const amount = payload.amount === undefined ? remainder : BigInt(payload.amount)
  if (amount <= 0n) return settleFailure('BATCH_REFUND_AMOUNT_INVALID', { network, payer })
  const chainId = Number(network.split(':')[1])
  const claims =
    BigInt(channel.chargedCumulativeAmount) > BigInt(channel.totalClaimed)
      ? [
          {
            voucher: { channel: channel.config, maxClaimableAmount: channel.signedMaxClaimable },
            signature: channel.signature,
            totalClaimed: channel.chargedCumulativeAmount,
          },
        ]
      : []
  const signer = context.receiverAuthorizer
  const enriched = {
    ...payload,
    amount: amount.toString(),
    refundNonce: channel.refundNonce,
    claims,
    ...(signer
      ? {
          refundAuthorizerSignature: await signer.signTypedData(
            refundTypedData(channelId as Hex, BigInt(channel.refundNonce), amount, chainId),
          ),
        }
      : {}),
    ...(signer && claims.length > 0
      ? {
          claimAuthorizerSignature: await signer.signTypedData(
            claimBatchTypedData(claims, chainId),
          ),
        }
      : {}),
  }
  const response = await context.facilitator.settle({ ...payment, payload: enriched }, requirements)
  if (!response.success) return response
  const state = readState(response.extra)
  const closed = !state || state.balance === 0n
  const next: ServerChannel | undefined = closed
    ? undefined
    : { ...channel, ...stateStrings(state), updatedAtMs: context.nowMs() }
  await context.store.compareAndSet(channelId, stored.version, next)
  return { ...response, extra: { ...response.extra, chargedAmount: '0' } }
}

function readState(extra: Record<string, unknown> | undefined): ChannelState | undefined {
  const state = extra?.channelState as Record<string, unknown> | undefined
  if (!state || typeof state.balance !== 'string' || typeof state.totalClaimed !== 'string')
    return undefined
  return {
    balance: BigInt(state.balance),
    totalClaimed: BigInt(state.totalClaimed),
    withdrawRequestedAt: Number(state.withdrawRequestedAt ?? 0),
    refundNonce: BigInt(String(state.refundNonce ?? '0')),
  }
}

function stateStrings(state: ChannelState) {
  return {
    balance: state.balance.toString(),
    totalClaimed: state.totalClaimed.toString(),
    withdrawRequestedAt: state.withdrawRequestedAt,
    refundNonce: state.refundNonce.toString(),
  }
}

import {
  type PaymentPayload,
  type PaymentRequirements,
  type SettleContext,
  type SettleResponse,
  settleFailure,
  settleFailureFromVerify,
} from '@tollgate/core'
import { getAddress, type Hex, type LocalAccount, parseEventLogs } from 'viem'
import { issuesMessage } from '../../exact/permit2/checks.ts'
import { permit2NonceUsed } from '../../exact/permit2/verify.ts'
import { findAuthorizationUse } from '../../facilitator/authorizationLookup.ts'
import { batchSettlementAbi, batchSettlementAddresses } from '../constants.ts'
import { channelStateExtra, type DepositPayload, depositPayloadSchema } from '../payload.ts'
import { depositNonceOf } from '../typedData.ts'
import { readChannelState } from './channelState.ts'
import { channelConfigProblem } from './configCheck.ts'
import { depositCallOf } from './depositCall.ts'
import { settleClaims, settleReceiver, settleRefund } from './settleClaims.ts'
import { type BatchNetwork, submitEscrowCall } from './submit.ts'
import { verifyBatchPayment } from './verify.ts'

export interface BatchSettleContext extends BatchNetwork {
  /** The receiver authorizer key this facilitator signs claims and refunds with, if any. */
  authorizer: LocalAccount | undefined
  /** Deposits being settled in this process, by authorization: a retry joins the first. */
  inFlight: Map<string, Promise<SettleResponse>>
  nowSeconds: () => number
  /** Who may have a refund signed with `authorizer` (see `batchSettlementRefunds`). */
  refunds: 'payee-key' | 'any-caller'
}

/** Settle for batch-settlement, by payload type: a deposit, a batch of claims, a sweep, a refund. */
export function settleBatch(
  context: BatchSettleContext,
  payment: PaymentPayload,
  requirements: PaymentRequirements,
  caller?: SettleContext,
): Promise<SettleResponse> {
  const payload = payment.payload as Record<string, unknown>
  const network = requirements.network
  switch (payload.type) {
    case 'deposit':
      return settleDeposit(context, payment, requirements)
    case 'claim':
      return settleClaims(context, payload, network)
    case 'settle':
      return settleReceiver(context, payload, network)
    case 'refund':
      return settleRefund(context, payload, network, caller)
    default:
      return Promise.resolve(settleFailure('BATCH_INVALID_PAYLOAD_TYPE', { network }))
  }
}

/**
 * A deposit settles at most once: its authorization (ERC-3009 or Permit2 nonce) can only be
 * spent once on chain, a retry in this process joins the settlement under way, and a retry after
 * the authorization was spent answers with the transaction that spent it.
 */
async function settleDeposit(
  context: BatchSettleContext,
  payment: PaymentPayload,
  requirements: PaymentRequirements,
): Promise<SettleResponse> {
  const network = requirements.network
  const parsed = depositPayloadSchema.safeParse(payment.payload)
  if (!parsed.success)
    return settleFailure('PAYLOAD_MALFORMED', {
      network,
      message: issuesMessage(parsed.error.issues),
    })
  const payload = parsed.data
  const payer = getAddress(payload.channelConfig.payer)
  const configProblem = channelConfigProblem(
    payload.channelConfig,
    payload.voucher.channelId,
    requirements,
  )
  if (configProblem) return settleFailure(configProblem, { network, payer })
  const call = depositCallOf(payload, requirements)
  if ('code' in call) return settleFailure(call.code, { network, payer, message: call.message })
  const key = `${network}|${call.authorizationKey}`
  const running = context.inFlight.get(key)
  if (running) return running
  const settling = (async () => {
    const earlier = await earlierDeposit(context, payload, call.method, requirements)
    if (earlier) return depositAnswer(context, payload, earlier, requirements)
    const verdict = await verifyBatchPayment(
      context.runtime,
      payment,
      requirements,
      context.nowSeconds(),
    )
    if (!verdict.isValid) return settleFailureFromVerify(verdict, network)
    const sent = await submitEscrowCall(
      context,
      { data: call.data, kind: 'batch-deposit', payer },
      {
        simulation: 'BATCH_DEPOSIT_SIMULATION_FAILED',
        transaction: 'BATCH_DEPOSIT_TRANSACTION_FAILED',
      },
    )
    if (sent.kind === 'failed') return sent.response
    return depositAnswer(context, payload, sent.receipt.transactionHash, requirements)
  })().finally(() => context.inFlight.delete(key))
  context.inFlight.set(key, settling)
  return settling
}

/** The transaction that already spent this deposit's authorization, when one did. */
async function earlierDeposit(
  context: BatchSettleContext,
  payload: DepositPayload,
  method: 'eip3009' | 'permit2',
  requirements: PaymentRequirements,
): Promise<Hex | undefined> {
  const { runtime } = context
  const payer = getAddress(payload.channelConfig.payer)
  const { authorization } = payload.deposit
  if (method === 'eip3009' && 'erc3009Authorization' in authorization) {
    const nonce = depositNonceOf(
      payload.voucher.channelId as Hex,
      authorization.erc3009Authorization.salt as Hex,
    )
    const use = await findAuthorizationUse(
      runtime,
      getAddress(requirements.asset),
      payer,
      nonce,
      0n,
    )
    return use.used ? (use.transaction ?? (await depositLog(context, payload))) : undefined
  }
  if ('permit2Authorization' in authorization) {
    const used = await permit2NonceUsed(
      runtime,
      payer,
      BigInt(authorization.permit2Authorization.nonce),
    )
    return used ? depositLog(context, payload) : undefined
  }
  return undefined
}

/** The newest `Deposited` of this channel and amount (a spent Permit2 nonce names no transaction). */
async function depositLog(
  context: BatchSettleContext,
  payload: DepositPayload,
): Promise<Hex | undefined> {
  const logs = await context.runtime.client.getContractEvents({
    address: batchSettlementAddresses.escrow,
    abi: batchSettlementAbi,
    eventName: 'Deposited',
    args: { channelId: payload.voucher.channelId as Hex },
    fromBlock: 0n,
  })
  const match = logs.filter((log) => log.args.amount === BigInt(payload.deposit.amount)).at(-1)
  return match?.transactionHash ?? undefined
}

async function depositAnswer(
  context: BatchSettleContext,
  payload: DepositPayload,
  transaction: Hex | undefined,
  requirements: PaymentRequirements,
): Promise<SettleResponse> {
  const network = requirements.network
  const payer = getAddress(payload.channelConfig.payer)
  if (!transaction)
    return settleFailure('BATCH_DEPOSIT_TRANSACTION_FAILED', {
      network,
      payer,
      message: 'the deposit authorization was spent by a transaction not found in the escrow logs',
    })
  const receipt = await context.runtime.client.getTransactionReceipt({ hash: transaction })
  const deposited = parseEventLogs({
    abi: batchSettlementAbi,
    eventName: 'Deposited',
    logs: receipt.logs,
  }).some((log) => log.args.channelId.toLowerCase() === payload.voucher.channelId.toLowerCase())
  if (receipt.status !== 'success' || !deposited)
    return settleFailure('BATCH_DEPOSIT_TRANSACTION_FAILED', {
      network,
      payer,
      transaction,
      message: 'the authorization was spent without a deposit to this channel',
    })
  const state = await readChannelState(context.runtime.client, payload.voucher.channelId as Hex)
  return {
    success: true,
    transaction,
    network,
    payer,
    amount: payload.deposit.amount,
    extra: { channelState: channelStateExtra(payload.voucher.channelId, state) },
  }
}

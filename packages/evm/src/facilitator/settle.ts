import { type SettleResponse, settleFailure } from '@tollgate/core'
import { type Hex, parseEventLogs, type TransactionReceipt } from 'viem'
import { eip3009Abi } from '../abi.ts'
import type { NetworkRuntime } from './runtime.ts'
import { transferCalldata } from './simulate.ts'
import type { TransactionSender } from './transactionSender.ts'
import type { VerifiedPayment } from './verify.ts'

export interface SettleTimings {
  receiptTimeoutMs: number
  receiptPollMs: number
  transferGasLimit: bigint
}

/**
 * Submits a verified payment and waits, bounded, for its receipt. The outcome always names the
 * transaction once one was broadcast: `settlement_pending` when the receipt is late, a failure
 * with the hash when it reverted, success only with a matching `Transfer` event.
 */
export async function submitAndConfirm(
  runtime: NetworkRuntime,
  sender: TransactionSender,
  verified: VerifiedPayment,
  timings: SettleTimings,
): Promise<SettleResponse> {
  if (verified.signature.deploy) {
    const deployment = await sender.send({
      to: verified.signature.deploy.factory,
      data: verified.signature.deploy.data,
      gas: await runtime.client.estimateGas({
        account: sender.addresses[0]!,
        to: verified.signature.deploy.factory,
        data: verified.signature.deploy.data,
      }),
    })
    const receipt = await waitForReceipt(runtime, deployment.hash, timings)
    if (receipt?.status !== 'success') {
      return settleFailure('EVM_SMART_WALLET_DEPLOYMENT_FAILED', {
        network: runtime.network,
        payer: verified.payer,
        transaction: deployment.hash,
      })
    }
  }
  const data = transferCalldata(verified.authorization, verified.signature.inner)
  const gas =
    verified.signature.inner.length === 132
      ? timings.transferGasLimit
      : ((await runtime.client.estimateGas({
          account: sender.addresses[0]!,
          to: verified.asset,
          data,
        })) *
          5n) /
        4n
  const sent = await sender.send({ to: verified.asset, data, gas })
  return confirmTransfer(runtime, verified, sent.hash, timings)
}

/** Waits for a broadcast transfer and judges it from its receipt. */
export async function confirmTransfer(
  runtime: NetworkRuntime,
  verified: Pick<VerifiedPayment, 'payer' | 'asset' | 'authorization'>,
  hash: Hex,
  timings: SettleTimings,
): Promise<SettleResponse> {
  const receipt = await waitForReceipt(runtime, hash, timings)
  const base = { network: runtime.network, payer: verified.payer, transaction: hash }
  if (!receipt) {
    return settleFailure('SETTLEMENT_PENDING', {
      ...base,
      message: `no receipt within ${timings.receiptTimeoutMs} ms; settle again to keep waiting on ${hash}`,
    })
  }
  if (receipt.status !== 'success') return settleFailure('EVM_EXACT_TRANSACTION_FAILED', base)
  if (!hasMatchingTransfer(receipt, verified))
    return settleFailure('EVM_EXACT_TRANSFER_EVENT_MISMATCH', base)
  return { success: true, ...base, amount: verified.authorization.value }
}

/**
 * A receipt, or undefined when none arrived within the bound. RPC errors count as "not yet".
 * Polls fast at first (a local or fast chain includes the transaction within milliseconds),
 * then backs off to `receiptPollMs`.
 */
async function waitForReceipt(
  runtime: NetworkRuntime,
  hash: Hex,
  timings: SettleTimings,
): Promise<TransactionReceipt | undefined> {
  const deadline = Date.now() + timings.receiptTimeoutMs
  for (let delayMs = 2; ; delayMs = Math.min(delayMs * 2, timings.receiptPollMs)) {
    const receipt = await runtime.client.getTransactionReceipt({ hash }).catch(() => undefined)
    if (receipt) return receipt
    const waitMs = Math.min(delayMs, deadline - Date.now())
    if (waitMs <= 0) return undefined
    await new Promise((resolve) => setTimeout(resolve, waitMs))
  }
}

/** The token must log `Transfer(from, to, value)` for exactly the authorized amount. */
function hasMatchingTransfer(
  receipt: TransactionReceipt,
  verified: Pick<VerifiedPayment, 'asset' | 'authorization'>,
): boolean {
  const transfers = parseEventLogs({ abi: eip3009Abi, eventName: 'Transfer', logs: receipt.logs })
  const { from, to, value } = verified.authorization
  return transfers.some(
    (log) =>
      sameAddress(log.address, verified.asset) &&
      sameAddress(log.args.from, from) &&
      sameAddress(log.args.to, to) &&
      log.args.value === BigInt(value),
  )
}

function sameAddress(left: string, right: string): boolean {
  return left.toLowerCase() === right.toLowerCase()
}

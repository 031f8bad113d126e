import type { Hex, TransactionReceipt } from 'viem'
import { receiptOf } from './receipts.ts'
import type { NetworkRuntime } from './runtime.ts'

export interface SettleTimings {
  receiptTimeoutMs: number
  receiptPollMs: number
  transferGasLimit: bigint
}

/**
 * A receipt, or undefined when none arrived within `timeoutMs`. Polls fast at first (a local or
 * fast chain includes the transaction within milliseconds), then backs off to `pollMs`. An RPC
 * error counts as "not yet": the caller answers `settlement_pending` at the deadline and recovery
 * reads the receipt again, so a failed read loses nothing.
 */
export async function waitForReceipt(
  runtime: NetworkRuntime,
  hash: Hex,
  timeoutMs: number,
  pollMs: number,
): Promise<TransactionReceipt | undefined> {
  const { clock } = runtime
  const deadline = clock.nowMs() + timeoutMs
  for (let delayMs = 2; ; delayMs = Math.min(delayMs * 2, pollMs)) {
    const receipt = await receiptOf(runtime.client, hash).catch(() => undefined)
    if (receipt) return receipt
    const waitMs = Math.min(delayMs, deadline - clock.nowMs())
    if (waitMs <= 0) return undefined
    await clock.sleep(waitMs)
  }
}

import type { Hex, TransactionReceipt } from 'viem'
import type { NetworkRuntime } from './runtime.ts'

export interface SettleTimings {
  receiptTimeoutMs: number
  receiptPollMs: number
  transferGasLimit: bigint
}

/**
 * A receipt, or undefined when none arrived within `timeoutMs`. RPC errors count as "not yet".
 * Polls fast at first (a local or fast chain includes the transaction within milliseconds),
 * then backs off to `pollMs`.
 */
export async function waitForReceipt(
  runtime: NetworkRuntime,
  hash: Hex,
  timeoutMs: number,
  pollMs: number,
): Promise<TransactionReceipt | undefined> {
  const deadline = Date.now() + timeoutMs
  for (let delayMs = 2; ; delayMs = Math.min(delayMs * 2, pollMs)) {
    const receipt = await runtime.client.getTransactionReceipt({ hash }).catch(() => undefined)
    if (receipt) return receipt
    const waitMs = Math.min(delayMs, deadline - Date.now())
    if (waitMs <= 0) return undefined
    await new Promise((resolve) => setTimeout(resolve, waitMs))
  }
}

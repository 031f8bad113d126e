import {
  BaseError,
  ContractFunctionRevertedError,
  ExecutionRevertedError,
  RpcRequestError,
} from 'viem'

/**
 * Whether an RPC failure is the chain saying "this call reverts" (a verdict about the payment)
 * rather than the RPC being down or slow (an operating error that must not reject a payment).
 */
export function isRevertError(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false
  const found = error.walk(
    (cause) =>
      cause instanceof ContractFunctionRevertedError ||
      cause instanceof ExecutionRevertedError ||
      (cause instanceof RpcRequestError && cause.code === 3),
  )
  return Boolean(found)
}

/** The revert reason text, when the node gave one. */
export function revertMessage(error: unknown): string {
  if (error instanceof BaseError) {
    const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError)
    if (reverted instanceof ContractFunctionRevertedError && reverted.reason) return reverted.reason
    return error.shortMessage.split('\n')[0]!.slice(0, 300)
  }
  return String(error).slice(0, 300)
}

/** The first line of an error's message, bounded, for a payment's record. */
export function describeError(error: unknown): string {
  const text =
    (error as { shortMessage?: string })?.shortMessage ?? (error as Error)?.message ?? String(error)
  return text.split('\n')[0]!.slice(0, 300)
}

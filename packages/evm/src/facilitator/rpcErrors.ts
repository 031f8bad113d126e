import {
  BaseError,
  ContractFunctionRevertedError,
  ExecutionRevertedError,
  MethodNotFoundRpcError,
  RpcRequestError,
  UnsupportedProviderMethodError,
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

/** The node has no `eth_sendRawTransactionSync` (JSON-RPC "method not found", or said in words). */
export function noSuchMethod(error: unknown): boolean {
  if (!(error instanceof BaseError)) return false
  const named = error.walk(
    (cause) =>
      cause instanceof MethodNotFoundRpcError ||
      cause instanceof UnsupportedProviderMethodError ||
      (cause instanceof RpcRequestError && cause.code === -32601),
  )
  if (named) return true
  const text = `${error.details} ${error.shortMessage}`.toLowerCase()
  return /method .*(not found|not supported|not available|does not exist)|unsupported method|unknown method/.test(
    text,
  )
}

/** The node itself answered (a JSON-RPC error), as opposed to a transport failure or no answer. */
export function answeredByNode(error: unknown): boolean {
  return rpcCode(error) !== undefined
}

/** The JSON-RPC error code the node answered, if it answered one. */
export function rpcCode(error: unknown): number | undefined {
  if (!(error instanceof BaseError)) return undefined
  const rpc = error.walk((cause) => cause instanceof RpcRequestError)
  return rpc instanceof RpcRequestError ? rpc.code : undefined
}

import { TollgateError } from '@tollgate/core'
import {
  type Account,
  type Address,
  BaseError,
  type Chain,
  ContractFunctionRevertedError,
  type Hex,
  type Log,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem'
/** The revert reason or custom error name in a viem error, if any. */
export function revertName(error: unknown): string | undefined {
  if (!(error instanceof BaseError)) return undefined
  const reverted = error.walk((cause) => cause instanceof ContractFunctionRevertedError)
  return reverted instanceof ContractFunctionRevertedError
    ? (reverted.reason ?? reverted.data?.errorName)
    : undefined
}

/**
 * Simulates, then sends and waits: a call that would revert throws
 * `TRUST_TRANSACTION_REVERTED` with the contract's reason before any gas is spent.
 */
export async function sendContract(
  publicClient: PublicClient<Transport, Chain>,
  walletClient: WalletClient<Transport, Chain, Account>,
  call: {
    address: Address
    abi: readonly unknown[]
    functionName: string
    args: readonly unknown[]
  },
): Promise<{ logs: Log[]; transaction: Hex }> {
  let request: unknown
  try {
    ;({ request } = await publicClient.simulateContract({
      ...call,
      account: walletClient.account,
    } as never))
  } catch (error) {
    const reason = revertName(error)
    if (reason === undefined) throw error
    throw new TollgateError(
      'TRUST_TRANSACTION_REVERTED',
      `${call.functionName} would revert: ${reason}`,
      { cause: error },
    )
  }
  const transaction = await walletClient.writeContract(request as never)
  const receipt = await publicClient.waitForTransactionReceipt({ hash: transaction })
  if (receipt.status !== 'success')
    throw new TollgateError(
      'TRUST_TRANSACTION_REVERTED',
      `${call.functionName} reverted in ${transaction}`,
    )
  return { logs: receipt.logs, transaction }
}

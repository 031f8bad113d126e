import {
  type ErrorCode,
  reasonOf,
  type SettlementLedger,
  type SettleResponse,
  settleFailure,
} from '@tollgate/core'
import type { QueuedPayment } from './queuedPayments.ts'
import type { NetworkRuntime } from './runtime.ts'
import { authorizationUse, diagnoseSettlementFailure, nonceUsedCode } from './transferMethod.ts'

/**
 * A payment its own transaction did not settle. Someone else may have used the authorization
 * first (the payee is paid: it is confirmed by that transaction); otherwise it failed, and the
 * token says why (balance, nonce), with the transaction it failed in.
 */
export async function resolveUnsettled(
  context: { runtime: NetworkRuntime; ledger: SettlementLedger },
  item: QueuedPayment,
  transaction: string,
  blockNumber: bigint,
): Promise<SettleResponse> {
  const { runtime, ledger } = context
  const { payer, authorization } = item.verified
  const fromBlock = blockNumber > 10_000n ? blockNumber - 10_000n : 0n
  const use = await authorizationUse(runtime, item.verified, fromBlock)
  const open = ['submitted', 'pending', 'verified'] as const
  if (use.used && use.transaction) {
    await ledger.transition([item.id], 'confirmed', { transaction: use.transaction }, [...open])
    return {
      success: true,
      transaction: use.transaction,
      network: runtime.network,
      payer,
      amount: authorization.value,
    }
  }
  const code: ErrorCode = use.used
    ? nonceUsedCode(item.verified)
    : await diagnoseSettlementFailure(runtime, item.verified)
  await ledger.transition([item.id], 'failed', { reason: reasonOf(code), transaction }, [...open])
  return settleFailure(code, { network: runtime.network, payer, transaction })
}

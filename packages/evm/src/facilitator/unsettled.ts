import {
  type ErrorCode,
  reasonOf,
  type SettlementLedger,
  type SettleResponse,
  settleFailure,
} from '@tollgate/core'
import type { Hex } from 'viem'
import { findAuthorizationUse } from './authorizationLookup.ts'
import { diagnoseTransferFailure } from './diagnose.ts'
import type { QueuedPayment } from './queuedPayments.ts'
import type { NetworkRuntime } from './runtime.ts'

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
  const { asset, payer, authorization } = item.verified
  const fromBlock = blockNumber > 10_000n ? blockNumber - 10_000n : 0n
  const use = await findAuthorizationUse(
    runtime,
    asset,
    payer,
    authorization.nonce as Hex,
    fromBlock,
  )
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
    ? 'EVM_EXACT_NONCE_USED'
    : await diagnoseTransferFailure(runtime, asset, authorization).then((diagnosed) =>
        diagnosed === 'EVM_EXACT_SIMULATION_FAILED' ? 'EVM_EXACT_TRANSACTION_FAILED' : diagnosed,
      )
  await ledger.transition([item.id], 'failed', { reason: reasonOf(code), transaction }, [...open])
  return settleFailure(code, { network: runtime.network, payer, transaction })
}

import { reject, type SchemeFacilitator, type SettleResponse, settleFailure } from '@tollgate/core'
import type { LocalAccount } from 'viem'
import { batchSettlementScheme } from '../constants.ts'
import { channelReports } from './channelReports.ts'
import { type BatchSettleContext, settleBatch } from './settle.ts'
import type { BatchNetwork } from './submit.ts'
import { verifyBatchPayment } from './verify.ts'

/**
 * The facilitator's batch-settlement face on the EVM facilitator's networks and signers. With a
 * receiver authorizer key, `/supported` names its address, so servers may delegate signing the
 * claims and refunds of their channels to this facilitator.
 */
export function batchSettlementFace(options: {
  networks: ReadonlyMap<string, BatchNetwork>
  authorizer: LocalAccount | undefined
  refunds: 'payee-key' | 'any-caller'
  nowSeconds: () => number
  signers: (network: string) => string[]
}): SchemeFacilitator {
  const inFlight = new Map<string, Promise<SettleResponse>>()
  const contextOf = (network: string): BatchSettleContext | undefined => {
    const entry = options.networks.get(network)
    return entry
      ? {
          ...entry,
          authorizer: options.authorizer,
          refunds: options.refunds,
          inFlight,
          nowSeconds: options.nowSeconds,
        }
      : undefined
  }
  return {
    scheme: batchSettlementScheme,
    caipFamily: 'eip155:*',
    networks: [...options.networks.keys()],
    extra: () =>
      options.authorizer ? { receiverAuthorizer: options.authorizer.address } : undefined,
    signers: options.signers,
    async verify(payment, requirements) {
      const entry = options.networks.get(requirements.network)
      if (!entry)
        return reject('NETWORK_UNSUPPORTED', {
          message: `${requirements.network} is not served here`,
        })
      return verifyBatchPayment(entry.runtime, payment, requirements, options.nowSeconds())
    },
    async settle(payment, requirements, caller) {
      const context = contextOf(requirements.network)
      if (!context) return settleFailure('NETWORK_UNSUPPORTED', { network: requirements.network })
      return settleBatch(context, payment, requirements, caller)
    },
    async channels(limit) {
      const perNetwork = await Promise.all(
        [...options.networks.values()].map(({ runtime, ledger }) =>
          channelReports(runtime, ledger, limit),
        ),
      )
      return perNetwork
        .flat()
        .sort((a, b) => b.lastTransactionAt.localeCompare(a.lastTransactionAt))
        .slice(0, limit)
    },
  }
}

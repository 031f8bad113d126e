import {
  type PaymentPayload,
  type PaymentRequirements,
  reject,
  type SchemeFacilitator,
  type SettleResponse,
  settleFailure,
  settleFailureFromVerify,
} from '@tollgate/core'
import { getAddress, type Hex } from 'viem'
import { exactEvmPayloadSchema } from '../payload.ts'
import type { ExactEvmFacilitatorOptions } from './options.ts'
import { checkNetworkReadiness } from './readiness.ts'
import { RecentVerifications } from './recentVerifications.ts'
import { createNetworkRuntime, type NetworkRuntime } from './runtime.ts'
import { confirmTransfer, type SettleTimings, submitAndConfirm } from './settle.ts'
import { SettlementGuard } from './settlementGuard.ts'
import { TransactionSender } from './transactionSender.ts'
import { verifyExactEvm } from './verify.ts'

/**
 * The facilitator's side of `exact` on EVM with EIP-3009: verification in the reference order
 * and settlement that is never reported failed once a transaction exists.
 */
export function exactEvmFacilitator(options: ExactEvmFacilitatorOptions): SchemeFacilitator {
  const now = options.now ?? (() => Math.floor(Date.now() / 1000))
  const timings: SettleTimings = {
    receiptTimeoutMs: options.receiptTimeoutMs ?? 30_000,
    receiptPollMs: options.receiptPollMs ?? 200,
    transferGasLimit: options.transferGasLimit ?? 150_000n,
  }
  const networks = new Map<string, { runtime: NetworkRuntime; sender: TransactionSender }>()
  for (const network of options.networks) {
    const runtime = createNetworkRuntime(network)
    const sender = new TransactionSender({
      client: network.client,
      chainId: runtime.chainId,
      signers: network.signers,
      maxFeePerGasCap: options.maxFeePerGasCap,
    })
    networks.set(network.network, { runtime, sender })
  }
  const guard = new SettlementGuard()
  const recent = new RecentVerifications(options.settleReuseVerificationMs ?? 10_000)

  async function settle(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<SettleResponse> {
    const entry = networks.get(requirements.network)
    if (!entry) return settleFailure('NETWORK_UNSUPPORTED', { network: requirements.network })
    const { runtime, sender } = entry
    const parsed = exactEvmPayloadSchema.safeParse(payload.payload)
    if (!parsed.success) {
      const verdict = await verifyExactEvm(runtime, payload, requirements, {
        nowSeconds: now(),
        simulate: false,
      })
      return settleFailureFromVerify(verdict.response, runtime.network)
    }
    const { authorization, signature } = parsed.data
    const key = [runtime.network, requirements.asset, authorization.from, authorization.nonce]
      .join('|')
      .toLowerCase()
    const outcome = await guard.run(key, signature.toLowerCase(), async (previous) => {
      if (previous?.errorReason === 'settlement_pending' && previous.transaction) {
        // Already broadcast: wait on that transaction again, never send a second one.
        const known = {
          payer: getAddress(authorization.from),
          asset: getAddress(requirements.asset),
          authorization,
        }
        return confirmTransfer(runtime, known, previous.transaction as Hex, timings)
      }
      const verdict = await verifyExactEvm(runtime, payload, requirements, {
        nowSeconds: now(),
        simulate: true,
        verifiedBefore: recent.take(requirements, signature),
      })
      if (!verdict.verified) return settleFailureFromVerify(verdict.response, runtime.network)
      return submitAndConfirm(runtime, sender, verdict.verified, timings)
    })
    if (outcome !== 'conflict') return outcome
    return settleFailure('SETTLEMENT_DUPLICATE', {
      network: runtime.network,
      payer: authorization.from,
      message: 'this authorization is already being settled with a different signature',
    })
  }

  return {
    scheme: 'exact',
    caipFamily: 'eip155:*',
    networks: [...networks.keys()],
    extra: () => undefined,
    signers: (network) => networks.get(network)?.sender.addresses ?? [],
    async verify(payload, requirements) {
      const entry = networks.get(requirements.network)
      if (!entry)
        return reject('NETWORK_UNSUPPORTED', {
          message: `${requirements.network} is not served here`,
        })
      const verdict = await verifyExactEvm(entry.runtime, payload, requirements, {
        nowSeconds: now(),
        simulate: true,
      })
      if (verdict.verified) {
        recent.remember(requirements, String(payload.payload.signature), verdict.verified)
      }
      return verdict.response
    },
    settle,
    readiness: () =>
      Promise.all(
        [...networks.values()].map(({ runtime }) =>
          checkNetworkReadiness(runtime, options.minimumSignerBalanceWei ?? 10n ** 15n),
        ),
      ),
  }
}

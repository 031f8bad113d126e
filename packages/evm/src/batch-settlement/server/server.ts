import type { FacilitatorClient, SchemeServer, SettleResponse } from '@tollgate/core'
import { TollgateError } from '@tollgate/core'
import type { LocalAccount } from 'viem'
import type { EvmAsset } from '../../assets.ts'
import { exactEvmServer } from '../../exact/server.ts'
import { batchSettlementScheme, minWithdrawDelaySeconds } from '../constants.ts'
import { parseBatchClientPayload } from '../payload.ts'
import { type ChannelStore, MemoryChannelStore, type StoredChannel } from './channelStore.ts'
import { type ClaimOutcome, claimCharged, sweepClaimed } from './claims.ts'
import { batchSettlement } from './settlement.ts'

export interface BatchSettlementEvmServerOptions {
  /** Asset per network for dollar prices; merged over the default USDC table. */
  assets?: Readonly<Record<string, EvmAsset>>
  /** How buyers deposit: an ERC-3009 authorization, or Permit2 for any ERC-20. @default 'eip3009' */
  assetTransferMethod?: 'eip3009' | 'permit2'
  /**
   * Where channel records live. Give every instance selling the same routes one store, and a
   * durable one (`FolderChannelStore`, or a database): the records hold the charged vouchers
   * not yet claimed, which are the seller's money. @default a MemoryChannelStore (lost on exit)
   */
  store?: ChannelStore
  /**
   * The key that signs this seller's claims and refunds (a channel's receiver authorizer). Without
   * one, requirements name the facilitator's authorizer from its `/supported`, and it signs.
   */
  receiverAuthorizer?: LocalAccount
  /** How long a payer waits to withdraw unclaimed funds alone (seconds, 900 to 2592000). @default 900 */
  withdrawDelay?: number
  /** Suggested first deposit, as a multiple of the price (`extra.minDeposit`). @default 10 */
  minDepositMultiplier?: number
}

/** Claims and sweeps of what this seller charged (run them on a timer, or from a job). */
export interface BatchChannels {
  /** The channel records themselves (for operators' tools; writes must compare and set). */
  readonly store: ChannelStore
  list(): Promise<StoredChannel[]>
  /** Claims every charged, unclaimed voucher for `payTo` in `token` on `network`. */
  claim(target: ClaimTarget & { maxPerBatch?: number }): Promise<ClaimOutcome>
  /** Pays `payTo` what its claims put aside in the escrow. */
  sweep(target: ClaimTarget): Promise<SettleResponse>
  /**
   * Claims and sweeps every `intervalMs` until stopped. The interval must be well below the
   * channels' withdraw delay: a payer may take back whatever is unclaimed once it has passed.
   */
  startClaiming(target: ClaimTarget & ClaimingOptions): { stop(): Promise<void> }
}

export interface ClaimingOptions {
  /** @default 60000 */
  intervalMs?: number
  /** Told what each run claimed, and of a run that failed (it is tried again next time). */
  onRun?: ((outcome: ClaimOutcome) => void) | undefined
  onError?: ((error: unknown) => void) | undefined
}

export interface ClaimTarget {
  network: string
  payTo: string
  token: string
  /** The facilitator that submits claims and sweeps. @default the one the payment gate uses */
  facilitator?: FacilitatorClient
}

/**
 * The seller's side of `batch-settlement` on EVM: routes priced as for `exact`, paid with a
 * deposit into an escrow channel, then one off-chain voucher per request, checked and charged
 * here without a chain round trip; `channels` claims the charges in batches.
 */
export function batchSettlementEvmServer(
  options: BatchSettlementEvmServerOptions = {},
): SchemeServer & { channels: BatchChannels } {
  const pricing = exactEvmServer({
    ...(options.assets ? { assets: options.assets } : {}),
    assetTransferMethod: options.assetTransferMethod ?? 'eip3009',
  })
  const store = options.store ?? new MemoryChannelStore()
  const withdrawDelay = options.withdrawDelay ?? minWithdrawDelaySeconds
  const multiplier = BigInt(options.minDepositMultiplier ?? 10)
  let facilitator: FacilitatorClient | undefined
  const facilitatorOf = () => {
    if (!facilitator)
      throw new TollgateError(
        'FACILITATOR_UNAVAILABLE',
        'no payment gate uses this scheme yet: claims go through its facilitator',
      )
    return facilitator
  }
  const claimsContext = (target: ClaimTarget) => ({
    store,
    facilitator: () => target.facilitator ?? facilitatorOf(),
    receiverAuthorizer: options.receiverAuthorizer,
    network: target.network,
    receiver: target.payTo,
    token: target.token,
  })
  return {
    scheme: batchSettlementScheme,
    networks: pricing.networks,
    buildRequirements(input) {
      const built = pricing.buildRequirements(input)
      const { assetTransferMethod, ...domain } = (built.extra ?? {}) as Record<string, unknown>
      return {
        ...built,
        scheme: batchSettlementScheme,
        extra: {
          ...domain,
          ...(assetTransferMethod === 'permit2' ? { assetTransferMethod } : {}),
          ...(options.receiverAuthorizer
            ? { receiverAuthorizer: options.receiverAuthorizer.address }
            : {}),
          withdrawDelay,
          minDeposit: (BigInt(built.amount) * multiplier).toString(),
        },
      }
    },
    assetDecimals: (network, asset) => pricing.assetDecimals(network, asset),
    enhanceRequirements(requirements, kind) {
      if (
        requirements.extra?.receiverAuthorizer ||
        typeof kind.extra?.receiverAuthorizer !== 'string'
      )
        return requirements
      return {
        ...requirements,
        extra: { ...requirements.extra, receiverAuthorizer: kind.extra.receiverAuthorizer },
      }
    },
    paymentKey(payload) {
      const parsed = parseBatchClientPayload(payload)
      if (!parsed.success) return undefined
      const { type, voucher } = parsed.data
      // One cumulative amount per channel pays one request; a refund at that amount is another act.
      return `batch|${voucher.channelId}|${BigInt(voucher.maxClaimableAmount)}|${type === 'refund' ? 'refund' : 'pay'}`.toLowerCase()
    },
    settlementFor(given) {
      facilitator = given
      return batchSettlement({
        store,
        facilitator: given,
        receiverAuthorizer: options.receiverAuthorizer,
        nowMs: Date.now,
      })
    },
    channels: {
      store,
      list: () => store.list(),
      claim: (target) =>
        claimCharged(
          claimsContext(target),
          target.maxPerBatch === undefined ? {} : { maxPerBatch: target.maxPerBatch },
        ),
      sweep: (target) => sweepClaimed(claimsContext(target)),
      startClaiming(target) {
        const intervalMs = target.intervalMs ?? 60_000
        if (intervalMs >= withdrawDelay * 1000)
          throw new TollgateError(
            'REQUIREMENTS_MALFORMED',
            `claims every ${intervalMs} ms would let payers withdraw charged vouchers (the withdraw delay is ${withdrawDelay} s)`,
          )
        let running: Promise<void> | undefined
        const run = () => {
          running ??= (async () => {
            const outcome = await claimCharged(claimsContext(target))
            if (outcome.claimed.length > 0) await sweepClaimed(claimsContext(target))
            target.onRun?.(outcome)
          })()
            .catch((error: unknown) => target.onError?.(error))
            .finally(() => {
              running = undefined
            })
        }
        const timer = setInterval(run, intervalMs)
        timer.unref?.()
        return {
          async stop() {
            clearInterval(timer)
            await running
          },
        }
      },
    },
  }
}

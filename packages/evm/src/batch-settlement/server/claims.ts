import type { FacilitatorClient, PaymentRequirements, SettleResponse } from '@tollgate/core'
import { getAddress, type LocalAccount } from 'viem'
import { batchSettlementScheme } from '../constants.ts'
import type { VoucherClaim } from '../payload.ts'
import { claimBatchTypedData } from '../typedData.ts'
import type { ChannelStore, StoredChannel } from './channelStore.ts'

export interface ClaimOutcome {
  /** Channels whose charge is now claimed on chain, with the claim transaction. */
  claimed: Array<{ channelId: string; totalClaimed: string; transaction: string }>
  /** Channels whose voucher could not be claimed, each with the reason: they wait for the next run. */
  failed: Array<{ channelId: string; reason: string }>
}

export interface BatchClaimsContext {
  store: ChannelStore
  facilitator: () => FacilitatorClient
  receiverAuthorizer: LocalAccount | undefined
  network: string
  receiver: string
  token: string
}

/**
 * Claims what was charged and not yet claimed, in batches of `maxPerBatch` channels. A batch
 * that fails is retried channel by channel, so one channel the escrow refuses (a deposit that
 * never landed, a withdrawal that took its funds) never blocks the others' claims (x402 #2559).
 */
export async function claimCharged(
  context: BatchClaimsContext,
  options: { maxPerBatch?: number } = {},
): Promise<ClaimOutcome> {
  const open = (await context.store.list()).filter(
    ({ channel }) =>
      BigInt(channel.chargedCumulativeAmount) > BigInt(channel.totalClaimed) &&
      channel.config.receiver.toLowerCase() === context.receiver.toLowerCase() &&
      channel.config.token.toLowerCase() === context.token.toLowerCase(),
  )
  const outcome: ClaimOutcome = { claimed: [], failed: [] }
  const size = Math.max(1, options.maxPerBatch ?? 100)
  for (let start = 0; start < open.length; start += size) {
    const batch = open.slice(start, start + size)
    const answer = await submitClaims(context, batch)
    if (answer.success) {
      await recordClaimed(context, batch, answer, outcome)
      continue
    }
    for (const one of batch) {
      const alone = await submitClaims(context, [one])
      if (alone.success) await recordClaimed(context, [one], alone, outcome)
      else
        outcome.failed.push({
          channelId: one.channel.channelId,
          reason: alone.errorReason ?? 'unknown',
        })
    }
  }
  return outcome
}

function claimRow(stored: StoredChannel): VoucherClaim {
  const { channel } = stored
  return {
    voucher: { channel: channel.config, maxClaimableAmount: channel.signedMaxClaimable },
    signature: channel.signature,
    totalClaimed: channel.chargedCumulativeAmount,
  }
}

async function submitClaims(
  context: BatchClaimsContext,
  batch: StoredChannel[],
): Promise<SettleResponse> {
  const claims = batch.map(claimRow)
  const chainId = Number(context.network.split(':')[1])
  const signer = context.receiverAuthorizer
  const ours =
    signer &&
    claims.every(
      (claim) =>
        getAddress(claim.voucher.channel.receiverAuthorizer) === getAddress(signer.address),
    )
  const payload = {
    type: 'claim',
    claims,
    ...(ours
      ? {
          claimAuthorizerSignature: await signer.signTypedData(
            claimBatchTypedData(claims, chainId),
          ),
        }
      : {}),
  }
  const requirements = settlementRequirements(context)
  return context
    .facilitator()
    .settle({ x402Version: 2, accepted: requirements, payload }, requirements)
}

/** What claims and sweeps are sent with: nobody signs against them, so they name no price. */
function settlementRequirements(context: BatchClaimsContext): PaymentRequirements {
  return {
    scheme: batchSettlementScheme,
    network: context.network,
    asset: context.token,
    amount: '0',
    payTo: context.receiver,
    maxTimeoutSeconds: 0,
    extra: {},
  }
}

async function recordClaimed(
  context: BatchClaimsContext,
  batch: StoredChannel[],
  answer: SettleResponse,
  outcome: ClaimOutcome,
) {
  const skipped = new Set(
    ((answer.extra?.skipped as Array<{ channelId: string }> | undefined) ?? []).map((row) =>
      row.channelId.toLowerCase(),
    ),
  )
  for (const stored of batch) {
    const id = stored.channel.channelId
    if (skipped.has(id.toLowerCase())) {
      outcome.failed.push({ channelId: id, reason: 'refused by the escrow' })
      continue
    }
    const claimedTo = stored.channel.chargedCumulativeAmount
    // Only raise: a request charged in the meantime stays to be claimed next time.
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await context.store.get(id)
      if (!current || BigInt(current.channel.totalClaimed) >= BigInt(claimedTo)) break
      const next = { ...current.channel, totalClaimed: claimedTo }
      if (await context.store.compareAndSet(id, current.version, next)) break
    }
    outcome.claimed.push({
      channelId: id,
      totalClaimed: claimedTo,
      transaction: answer.transaction,
    })
  }
}

/** Pays the receiver everything claimed and not yet paid out (`settle(receiver, token)`). */
export async function sweepClaimed(context: BatchClaimsContext): Promise<SettleResponse> {
  const requirements = settlementRequirements(context)
  const payload = { type: 'settle', receiver: context.receiver, token: context.token }
  return context
    .facilitator()
    .settle({ x402Version: 2, accepted: requirements, payload }, requirements)
}

import type { ErrorCode, PaymentRequirements } from '@tollgate/core'
import { evmChainId } from '@tollgate/core'
import { getAddress, type Hex, isAddressEqual, zeroAddress } from 'viem'
import { maxWithdrawDelaySeconds, minWithdrawDelaySeconds } from '../constants.ts'
import type { ChannelConfig } from '../payload.ts'
import { channelIdOf } from '../typedData.ts'

/** What a route's batch-settlement requirements carry in `extra`. */
export interface BatchRequirementsExtra {
  receiverAuthorizer?: string
  withdrawDelay?: number
  name?: string
  version?: string
  assetTransferMethod?: 'eip3009' | 'permit2'
  minDeposit?: string
}

export function batchExtraOf(requirements: PaymentRequirements): BatchRequirementsExtra {
  return (requirements.extra ?? {}) as BatchRequirementsExtra
}

/**
 * Whether a channel config is the one these requirements describe, in the reference's order:
 * its id, receiver, receiver authorizer, token and withdraw delay. The id binds every other
 * check: a voucher signed for this id can only be claimed under this config.
 */
export function channelConfigProblem(
  config: ChannelConfig,
  channelId: string,
  requirements: PaymentRequirements,
): ErrorCode | undefined {
  const chainId = evmChainId(requirements.network)
  if (chainId === undefined) return 'BATCH_NETWORK_MISMATCH'
  if (channelIdOf(config, chainId).toLowerCase() !== channelId.toLowerCase())
    return 'BATCH_CHANNEL_ID_MISMATCH'
  if (!sameAddress(config.receiver, requirements.payTo)) return 'BATCH_RECEIVER_MISMATCH'
  const extra = batchExtraOf(requirements)
  if (
    !extra.receiverAuthorizer ||
    !/^0x[0-9a-fA-F]{40}$/.test(extra.receiverAuthorizer) ||
    isAddressEqual(getAddress(extra.receiverAuthorizer), zeroAddress) ||
    !sameAddress(config.receiverAuthorizer, extra.receiverAuthorizer)
  )
    return 'BATCH_RECEIVER_AUTHORIZER_MISMATCH'
  if (!sameAddress(config.token, requirements.asset)) return 'BATCH_TOKEN_MISMATCH'
  if (extra.withdrawDelay !== undefined && config.withdrawDelay !== Number(extra.withdrawDelay))
    return 'BATCH_WITHDRAW_DELAY_MISMATCH'
  if (
    config.withdrawDelay < minWithdrawDelaySeconds ||
    config.withdrawDelay > maxWithdrawDelaySeconds
  )
    return 'BATCH_WITHDRAW_DELAY_OUT_OF_RANGE'
  return undefined
}

export function sameAddress(a: string, b: string): boolean {
  return /^0x[0-9a-fA-F]{40}$/.test(b) && a.toLowerCase() === b.toLowerCase()
}

export function asHex(value: string): Hex {
  return value as Hex
}

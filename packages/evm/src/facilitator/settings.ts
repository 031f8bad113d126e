import type { EvmNetworkOptions, ExactEvmFacilitatorOptions } from './options.ts'

/** Every default of `ExactEvmFacilitatorOptions`, in one place (see each option's doc). */
export const evmFacilitatorDefaults = {
  batch: { maxSize: 100, maxWaitMs: 0 },
  leaseMs: 15_000,
  recoveryIntervalMs: 1_000,
  idlePassMs: 60_000,
  stuckAfterMs: 30_000,
  maintenanceIntervalMs: 60_000,
  receiptTimeoutMs: 30_000,
  receiptPollMs: 200,
  transferGasLimit: 150_000n,
  settleReuseVerificationMs: 10_000,
  minimumSignerBalanceWei: 10n ** 15n,
} as const

/** The options' tunables with defaults filled in and checked. */
export interface EvmFacilitatorSettings {
  batch: { maxSize: number; maxWaitMs: number } | false
  leaseMs: number
  recoveryIntervalMs: number
  idlePassMs: number
  stuckAfterMs: number
  maintenanceIntervalMs: number
  receiptTimeoutMs: number
  receiptPollMs: number
  transferGasLimit: bigint
  settleReuseVerificationMs: number
  minimumSignerBalanceWei: bigint
}

/**
 * Fills in the defaults and refuses values that would misbehave quietly (a zero lease, a negative
 * wait, a fractional millisecond count), naming the option.
 */
export function evmFacilitatorSettings(
  options: ExactEvmFacilitatorOptions,
): EvmFacilitatorSettings {
  const defaults = evmFacilitatorDefaults
  const settings: EvmFacilitatorSettings = {
    batch: options.batch ?? { ...defaults.batch },
    leaseMs: options.leaseMs ?? defaults.leaseMs,
    recoveryIntervalMs: options.recoveryIntervalMs ?? defaults.recoveryIntervalMs,
    idlePassMs: options.idlePassMs ?? defaults.idlePassMs,
    stuckAfterMs: options.stuckAfterMs ?? defaults.stuckAfterMs,
    maintenanceIntervalMs: options.maintenanceIntervalMs ?? defaults.maintenanceIntervalMs,
    receiptTimeoutMs: options.receiptTimeoutMs ?? defaults.receiptTimeoutMs,
    receiptPollMs: options.receiptPollMs ?? defaults.receiptPollMs,
    transferGasLimit: options.transferGasLimit ?? defaults.transferGasLimit,
    settleReuseVerificationMs:
      options.settleReuseVerificationMs ?? defaults.settleReuseVerificationMs,
    minimumSignerBalanceWei: options.minimumSignerBalanceWei ?? defaults.minimumSignerBalanceWei,
  }
  const positive = ['leaseMs', 'recoveryIntervalMs', 'idlePassMs', 'receiptPollMs'] as const
  const nonNegative = [
    'stuckAfterMs',
    'maintenanceIntervalMs',
    'receiptTimeoutMs',
    'settleReuseVerificationMs',
  ] as const
  for (const name of [...positive, ...nonNegative]) {
    const value = settings[name]
    const least = (positive as readonly string[]).includes(name) ? 1 : 0
    if (!Number.isSafeInteger(value) || value < least)
      throw new RangeError(
        `${name} must be a whole number of milliseconds ≥ ${least}, not ${value}`,
      )
  }
  if (settings.batch) {
    const { maxSize, maxWaitMs } = settings.batch
    if (!Number.isSafeInteger(maxSize) || maxSize < 1)
      throw new RangeError(`batch.maxSize must be a whole number ≥ 1, not ${maxSize}`)
    if (!Number.isSafeInteger(maxWaitMs) || maxWaitMs < 0)
      throw new RangeError(`batch.maxWaitMs must be a whole number ≥ 0, not ${maxWaitMs}`)
  }
  if (settings.transferGasLimit < 21_000n)
    throw new RangeError(
      `transferGasLimit must be at least 21000, not ${settings.transferGasLimit}`,
    )
  if (settings.minimumSignerBalanceWei < 0n)
    throw new RangeError('minimumSignerBalanceWei must not be negative')
  return settings
}

/** A network's `syncSendWaitMs`, checked like the other waits. */
export function syncSendWaitMsOf(network: EvmNetworkOptions): number {
  const value = network.syncSendWaitMs ?? 1_000
  if (!Number.isSafeInteger(value) || value < 0)
    throw new RangeError(
      `${network.network} syncSendWaitMs must be a whole number of milliseconds ≥ 0, not ${value}`,
    )
  return value
}

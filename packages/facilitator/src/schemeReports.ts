/**
 * @module
 * What the facilitator reads from its schemes for operators, each bounded in time so one slow
 * scheme or RPC never holds a readiness probe, a metrics scrape or a dashboard view up.
 */
import {
  type ChannelReport,
  isTollgateError,
  type ReadinessCheck,
  type SchemeFacilitator,
  type SchemeStats,
} from '@tollgate/core'
import type { Logger } from './logger.ts'

/** The operating figures of one scheme, as read by `Facilitator.stats()`. */
export interface SchemeStatsReading {
  scheme: string
  caipFamily: string
  stats: SchemeStats
}

/** Readiness of every scheme's networks (RPC reachable, signers funded), bounded in time. */
export async function readinessOf(
  schemes: readonly SchemeFacilitator[],
  timeoutMs: number,
): Promise<ReadinessCheck[]> {
  const checks = schemes.map(async (scheme) => {
    if (!scheme.readiness) return []
    const timeout = new Promise<ReadinessCheck[]>((resolve) =>
      setTimeout(
        () =>
          resolve(scheme.networks.map((network) => ({ network, ok: false, message: 'timed out' }))),
        timeoutMs,
      ).unref?.(),
    )
    try {
      return await Promise.race([scheme.readiness(), timeout])
    } catch (error) {
      return scheme.networks.map((network) => ({ network, ok: false, message: describe(error) }))
    }
  })
  return (await Promise.all(checks)).flat()
}

/**
 * Operating figures of the schemes that report them, for metrics. A scheme that fails or is
 * slower than the bound is left out of this reading rather than holding a scrape up.
 */
export async function statsOf(
  schemes: readonly SchemeFacilitator[],
  logger: Logger,
  timeoutMs: number,
): Promise<{ readings: SchemeStatsReading[]; failures: string[] }> {
  const readings: SchemeStatsReading[] = []
  const failures: string[] = []
  await Promise.all(
    schemes.map(async (scheme) => {
      if (!scheme.stats) return
      try {
        const stats = await withTimeout(scheme.stats(), timeoutMs)
        readings.push({ scheme: scheme.scheme, caipFamily: scheme.caipFamily, stats })
      } catch (error) {
        failures.push(scheme.scheme)
        logger.warn({ scheme: scheme.scheme, err: describe(error) }, 'stats failed')
      }
    }),
  )
  return { readings, failures }
}

/**
 * The payment channels of the schemes that keep them, most recently used first. A scheme that
 * fails or is slower than the bound is left out and named in `failures`.
 */
export async function channelsOf(
  schemes: readonly SchemeFacilitator[],
  logger: Logger,
  limit: number,
  timeoutMs: number,
): Promise<{ channels: ChannelReport[]; failures: string[] }> {
  const failures: string[] = []
  const found = await Promise.all(
    schemes.map(async (scheme) => {
      if (!scheme.channels) return []
      try {
        return await withTimeout(scheme.channels(limit), timeoutMs)
      } catch (error) {
        failures.push(scheme.scheme)
        logger.warn({ scheme: scheme.scheme, err: describe(error) }, 'channels failed')
        return []
      }
    }),
  )
  const channels = found
    .flat()
    .sort((a, b) => b.lastTransactionAt.localeCompare(a.lastTransactionAt))
    .slice(0, limit)
  return { channels, failures }
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, rejectTimeout) => {
    timer = setTimeout(() => rejectTimeout(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export function describe(error: unknown): string {
  if (isTollgateError(error)) return `${error.reason}: ${error.message}`
  const text =
    (error as { shortMessage?: string })?.shortMessage ?? (error as Error)?.message ?? String(error)
  return text.split('\n')[0]!.slice(0, 300)
}

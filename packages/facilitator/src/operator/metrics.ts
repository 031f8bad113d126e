/**
 * @module
 * Prometheus metrics of one facilitator app, in a registry of its own (never prom-client's
 * global one, so two apps in a process, or a host's own metrics, never collide).
 *
 * Label values that come from requests are bounded: a network is a served one or `other`, a
 * reason is one of the code table or `other`. Scheme figures are read at scrape time, once per
 * scrape, through `Facilitator.stats()`.
 */
import {
  codeOfReason,
  type SettleResponse,
  type SupportedResponse,
  toCaip2,
  type VerifyResponse,
} from '@tollgate/core'
import { Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { SchemeStatsReading } from '../facilitator.ts'
import type { BlockedParty } from './screen.ts'

export interface MetricsOptions {
  /**
   * When set, `GET /metrics` needs `Authorization: Bearer <token>`; merchant API keys never
   * open it (they would show one merchant the others' volumes). When absent, /metrics is open:
   * serve it on a network only the scraper reaches.
   */
  token?: string
  /** Bound on each scheme's `stats()` during a scrape. @default 2000 */
  statsTimeoutMs?: number
}

/** What the metrics read from the facilitator. */
export interface MetricsSource {
  supported(): SupportedResponse
  stats(timeoutMs?: number): Promise<{ readings: SchemeStatsReading[]; failures: string[] }>
}

export type FacilitatorMetrics = ReturnType<typeof createFacilitatorMetrics>

const endpoints = new Set([
  '/verify',
  '/settle',
  '/supported',
  '/healthz',
  '/readyz',
  '/metrics',
  '/discovery/resources',
  '/discovery/search',
])

export function createFacilitatorMetrics(source: MetricsSource, options: MetricsOptions = {}) {
  const registry = new Registry()
  const registers = [registry]
  const served = new Set(source.supported().kinds.map((kind) => toCaip2(kind.network)))

  const verifications = new Counter({
    name: 'tollgate_facilitator_verify_total',
    help: 'Verify answers by network and reason (valid for a valid payment)',
    labelNames: ['network', 'reason'] as const,
    registers,
  })
  const settlements = new Counter({
    name: 'tollgate_facilitator_settle_total',
    help: 'Settle answers by network and reason (success for a settled payment)',
    labelNames: ['network', 'reason'] as const,
    registers,
  })
  const durations = new Histogram({
    name: 'tollgate_facilitator_request_duration_seconds',
    help: 'Time to answer a request, by endpoint and status',
    labelNames: ['endpoint', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  })
  const unauthorized = new Counter({
    name: 'tollgate_facilitator_unauthorized_total',
    help: 'Requests refused with 401 for a missing or unknown API key',
    labelNames: ['endpoint'] as const,
    registers,
  })
  const rateLimited = new Counter({
    name: 'tollgate_facilitator_rate_limited_total',
    help: 'Requests refused with 429, by the limit that refused them (ip or key)',
    labelNames: ['endpoint', 'limit'] as const,
    registers,
  })
  const blocked = new Counter({
    name: 'tollgate_facilitator_blocked_total',
    help: 'Payments refused because the payer or payee is on the blocklist',
    labelNames: ['endpoint', 'party'] as const,
    registers,
  })

  const readStats = sharedStats(source, options.statsTimeoutMs ?? 2_000)
  registerSchemeGauges(registers, readStats)

  function networkLabel(network: unknown): string {
    const caip2 = typeof network === 'string' ? toCaip2(network) : undefined
    return caip2 && served.has(caip2) ? caip2 : 'other'
  }

  return {
    registry,
    recordVerify(network: unknown, body: VerifyResponse) {
      const reason = body.isValid ? 'valid' : reasonLabel(body.invalidReason)
      verifications.inc({ network: networkLabel(network), reason })
    },
    recordSettle(network: unknown, body: SettleResponse) {
      const reason = body.success ? 'success' : reasonLabel(body.errorReason)
      settlements.inc({ network: networkLabel(network), reason })
    },
    observeRequest(path: string, status: number, seconds: number) {
      const endpoint = endpoints.has(path) ? path : 'other'
      durations.observe({ endpoint, status: String(status) }, seconds)
    },
    unauthorized(endpoint: string) {
      unauthorized.inc({ endpoint })
    },
    rateLimited(endpoint: string, limit: 'ip' | 'key') {
      rateLimited.inc({ endpoint, limit })
    },
    blocked(endpoint: string, party: BlockedParty) {
      blocked.inc({ endpoint, party })
    },
  }
}

function reasonLabel(reason: string | undefined): string {
  return reason !== undefined && codeOfReason(reason) ? reason : 'other'
}

type StatsReader = () => ReturnType<MetricsSource['stats']>

/**
 * One `stats()` call serves every gauge of a scrape: prom-client starts all collect() callbacks
 * before awaiting any, so they share the call in flight (as do overlapping scrapes).
 */
function sharedStats(source: MetricsSource, timeoutMs: number): StatsReader {
  let inFlight: ReturnType<MetricsSource['stats']> | undefined
  return () => {
    inFlight ??= source.stats(timeoutMs).finally(() => {
      inFlight = undefined
    })
    return inFlight
  }
}

function registerSchemeGauges(registers: Registry[], readStats: StatsReader) {
  new Gauge({
    name: 'tollgate_facilitator_stats_up',
    help: '1 when the scheme reported its figures at the last scrape, 0 when it failed',
    labelNames: ['scheme'] as const,
    registers,
    async collect() {
      const { readings, failures } = await readStats()
      this.reset()
      for (const reading of readings) this.set({ scheme: reading.scheme }, 1)
      for (const scheme of failures) this.set({ scheme }, 0)
    },
  })
  const perScheme = (name: string, help: string, value: (r: SchemeStatsReading) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['scheme', 'family'] as const,
      registers,
      async collect() {
        const { readings } = await readStats()
        this.reset()
        for (const reading of readings)
          this.inc({ scheme: reading.scheme, family: reading.caipFamily }, value(reading))
      },
    })
  perScheme(
    'tollgate_facilitator_queue_depth',
    'Payments accepted for settlement and not yet in a submitted transaction',
    (reading) => reading.stats.queueDepth,
  )
  perScheme(
    'tollgate_facilitator_pending_transactions',
    'Transactions broadcast and not yet confirmed',
    (reading) => reading.stats.pendingTransactions,
  )
  const perSigner = (name: string, help: string, field: 'balance' | 'nextNonce') =>
    new Gauge({
      name,
      help,
      labelNames: ['scheme', 'network', 'signer'] as const,
      registers,
      async collect() {
        const { readings } = await readStats()
        this.reset()
        for (const reading of readings) {
          for (const signer of reading.stats.signers) {
            const value = Number(signer[field])
            if (signer[field] === undefined || !Number.isFinite(value)) continue
            const labels = { scheme: reading.scheme, network: signer.network }
            // Hex addresses in lower case; base58 (Solana) is case sensitive.
            const address = signer.address.startsWith('0x')
              ? signer.address.toLowerCase()
              : signer.address
            this.set({ ...labels, signer: address }, value)
          }
        }
      },
    })
  // A float64 keeps about 15 significant digits of a balance: ample for alerting on gas money.
  perSigner(
    'tollgate_facilitator_signer_balance',
    "Signer balance in the atomic unit of the chain's fee coin (wei, lamports)",
    'balance',
  )
  perSigner('tollgate_facilitator_signer_next_nonce', 'Next nonce of the signer', 'nextNonce')
  new Counter({
    name: 'tollgate_facilitator_reorganised_settlements_total',
    help: 'Settlement transactions whose block was reorganised away (each is sent again)',
    labelNames: ['scheme', 'family'] as const,
    registers,
    // The scheme reports the count since the last read, so each is counted exactly once.
    async collect() {
      const { readings } = await readStats()
      for (const reading of readings) {
        const labels = { scheme: reading.scheme, family: reading.caipFamily }
        this.inc(labels, reading.stats.reorganisedTransactions ?? 0)
      }
    },
  })
  new Histogram({
    name: 'tollgate_facilitator_batch_size',
    help: 'Payments per submitted transaction',
    labelNames: ['scheme', 'family'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
    registers,
    // The scheme reports the sizes since the last read, so each is observed exactly once.
    async collect() {
      const { readings } = await readStats()
      for (const reading of readings) {
        const labels = { scheme: reading.scheme, family: reading.caipFamily }
        for (const size of reading.stats.batchSizes) this.observe(labels, size)
      }
    },
  })
}

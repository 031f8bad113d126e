import {
  type PaymentPayload,
  type PaymentRequirements,
  reject,
  type SchemeFacilitator,
  type SchemeStats,
  settleFailure,
  TollgateError,
} from '@tollgate/core'
import { batchSettlementFace } from '../batch-settlement/facilitator/face.ts'
import { uptoPermit2PayloadSchema } from '../exact/permit2/payload.ts'
import { systemClock } from './clock.ts'
import { RepeatedFailures, silentEvmLogger } from './failureLog.ts'
import { FinalityWatch, finalityChainOf, type WatchPass } from './finality.ts'
import type { ExactEvmFacilitatorOptions } from './options.ts'
import { PassPacing } from './passPacing.ts'
import { checkNetworkReadiness } from './readiness.ts'
import { RecentVerifications } from './recentVerifications.ts'
import { recoveryPass } from './recovery.ts'
import { createNetworkRuntime, type NetworkRuntime } from './runtime.ts'
import { evmFacilitatorSettings, syncSendWaitMsOf } from './settings.ts'
import { SettlementEngine } from './settlementEngine.ts'
import { SignerLanes } from './signerLanes.ts'
import { VerificationLog } from './verificationLog.ts'
import { verifyExactEvm } from './verify.ts'

/** The EVM exact facilitator, with the lifecycle its background recovery needs. */
export interface ExactEvmFacilitator extends SchemeFacilitator {
  /**
   * `upto` on the same networks, signers, ledger and recovery: register it beside this one.
   * Its `extra` names the facilitator address a buyer's permit must name.
   */
  readonly upto: SchemeFacilitator
  /**
   * `batch-settlement` (payment channels in the x402 escrow) on the same networks and signers:
   * deposits, batched claims, sweeps and refunds. Register it beside this one.
   */
  readonly batchSettlement: SchemeFacilitator
  /** Binds the ledger to each chain, recovers unfinished payments, starts the recovery loop. */
  start(): Promise<void>
  /** Stops the loop and waits for batches in flight. */
  stop(): Promise<void>
}

/**
 * The facilitator's side of `exact` on EVM (EIP-3009, or Permit2 through the x402 exact proxy)
 * and of `upto` (Permit2 through the upto proxy): verification in the reference order,
 * and settlement that is exactly once (the ledger), crash safe (stored before broadcast,
 * recovered at start), batched through Multicall3, and never reported failed once a
 * transaction exists.
 */
export function exactEvmFacilitator(options: ExactEvmFacilitatorOptions): ExactEvmFacilitator {
  const clock = options.clock ?? systemClock
  const now = options.now ?? (() => Math.floor(clock.nowMs() / 1000))
  const owner =
    options.instanceId ?? `tollgate-${process.pid}-${Math.random().toString(36).slice(2, 10)}`
  const settings = evmFacilitatorSettings(options)
  const { leaseMs } = settings
  const recent = new RecentVerifications(settings.settleReuseVerificationMs, clock.nowMs)
  const logger = options.logger ?? silentEvmLogger
  const failures = new RepeatedFailures(logger)
  const verifications = new VerificationLog(options.ledger, clock, logger)
  const networks = new Map<
    string,
    { runtime: NetworkRuntime; engine: SettlementEngine; lanes: SignerLanes; watch: FinalityWatch }
  >()
  for (const network of options.networks) {
    const runtime = createNetworkRuntime(network, clock)
    const lanes = new SignerLanes({
      client: network.client,
      chainId: runtime.chainId,
      network: runtime.network,
      ledger: options.ledger,
      signers: network.signers,
      maxFeePerGasCap: options.maxFeePerGasCap,
      syncSendWaitMs: syncSendWaitMsOf(network),
      onStep: options.onSettlementStep,
      clock,
      logger,
    })
    const watch = new FinalityWatch({
      network: runtime.network,
      finality: runtime.finality,
      chain: finalityChainOf(network.client),
      ledger: options.ledger,
      resend: (transaction) => lanes.rebroadcast(transaction),
      nowMs: clock.nowMs,
      logger,
    })
    const batch =
      settings.batch === false || !runtime.multicall3
        ? { maxSize: 1, maxWaitMs: 0 }
        : settings.batch
    const engine = new SettlementEngine({
      runtime,
      ledger: options.ledger,
      lanes,
      recent,
      timings: {
        receiptTimeoutMs: settings.receiptTimeoutMs,
        receiptPollMs: settings.receiptPollMs,
        transferGasLimit: settings.transferGasLimit,
      },
      batch,
      owner,
      leaseMs,
      now,
      onStep: options.onSettlementStep,
      logger,
      watch,
    })
    networks.set(network.network, { runtime, engine, lanes, watch })
  }
  let stopPasses: (() => void) | undefined
  let passing: Promise<void> | undefined
  const balances = new Map<string, string>()

  /** Networks whose chain the ledger is bound to; no payment settles on any other. */
  const bound = new Set<string>()
  const bind = async (runtime: NetworkRuntime) => {
    const genesis = await runtime.client.getBlock({ blockNumber: 0n })
    const binding = await options.ledger.bindChain(runtime.network, runtime.chainId, genesis.hash)
    if (binding === 'different') {
      throw new TollgateError(
        'NETWORK_UNSUPPORTED',
        `the ledger was written for another ${runtime.network} chain (different genesis block): use a new ledger for this one`,
      )
    }
    bound.add(runtime.network)
  }

  let maintainedAtMs = clock.nowMs()
  /** When a verify or settle last came in. */
  let touchedMs = 0
  /** Settlements the finality watch still guards, over every network, as of the last pass. */
  let watching = 0
  /** Whether every guarded chain's head stood still at the last pass. */
  let still = false
  /** Work the last full pass found to drive (or could not look at): more may follow. */
  let driven = 0
  /**
   * One pass: the finality watch on every network and, when `full`, ledger maintenance, recovery
   * and signer balances too. A failed step counts as work left, so the next comes at full pace.
   */
  const pass = (startingUp: boolean, full = true) => {
    passing ??= (async () => {
      let watchingNow = 0
      let drivenNow = 0
      let stillNow = true
      // Housekeeping follows writes: a ledger no payment touched since the last time has no dead
      // rows to clear, and a vacuum of a large one is the costliest thing an idle pass could do.
      const maintenanceDue =
        touchedMs >= maintainedAtMs &&
        clock.nowMs() - maintainedAtMs > settings.maintenanceIntervalMs
      if (full && maintenanceDue) {
        maintainedAtMs = clock.nowMs()
        await options.ledger
          .maintain?.()
          .then(
            () => failures.succeeded('ledger maintenance', {}),
            failures.failed('ledger maintenance', {}),
          )
      }
      for (const { runtime, engine, lanes, watch } of networks.values()) {
        const where = { network: runtime.network }
        if (!bound.has(runtime.network)) {
          // An unreachable RPC at start-up delays binding; a ledger of another chain never binds.
          const error = await bind(runtime).then(
            () => failures.succeeded('binding the ledger to the chain', where),
            (failure: unknown) => {
              failures.failed('binding the ledger to the chain', where)(failure)
              return failure
            },
          )
          if (error) {
            drivenNow += 1
            continue
          }
        }
        const context = {
          runtime,
          ledger: options.ledger,
          lanes,
          engine,
          owner,
          leaseMs,
          now,
          logger,
          stuckAfterMs: settings.stuckAfterMs,
          resentAtMs: (hash: string) => watch.resentAtMs(hash),
        }
        // First: a reorganised transaction is open again before recovery drives open ones.
        const watched: WatchPass = await watch.pass().then(
          (found) => {
            failures.succeeded('finality watch', where)
            return found
          },
          (error: unknown) => {
            failures.failed('finality watch', where)(error)
            return { watching: 1, reorganised: 1 }
          },
        )
        watchingNow += watched.watching
        if (watched.watching > 0 && !watched.still) stillNow = false
        // A transaction sent again after a reorganisation is recovery's to drive, at once.
        drivenNow += watched.reorganised
        if (!full) continue
        drivenNow += await recoveryPass(context, startingUp).then(
          (found) => {
            failures.succeeded('recovery pass', where)
            return found
          },
          (error: unknown) => {
            failures.failed('recovery pass', where)(error)
            return 1
          },
        )
        for (const signer of runtime.signers) {
          const balance = await runtime.client
            .getBalance({ address: signer.address })
            .catch(failures.failed('signer balance read', { network: runtime.network }))
          if (balance === undefined) continue
          failures.succeeded('signer balance read', { network: runtime.network })
          balances.set(`${runtime.network}|${signer.address}`, balance.toString())
        }
      }
      watching = watchingNow
      still = stillNow
      driven = full ? drivenNow : driven + drivenNow
    })().finally(() => {
      passing = undefined
    })
    return passing
  }

  const pacing = new PassPacing(settings, options.ledger.exclusive, clock.nowMs())
  const tick = () => {
    // A pass still running covers this tick; joining it would count it as one it is not.
    if (passing) return
    const busy =
      touchedMs >= pacing.fullPassAtMs ||
      [...networks.values()].some(
        ({ engine }) => engine.queueDepth > 0 || engine.confirming.size > 0,
      )
    const noted = [...networks.values()].some(({ watch }) => watch.noted)
    const kind = pacing.due(clock.nowMs(), { busy, driven, watching, noted })
    if (!kind) return
    void pass(false, kind === 'full').then(() => pacing.passed(kind, { busy, driven }, still))
  }

  const verify = async (
    scheme: 'exact' | 'upto',
    payload: PaymentPayload,
    requirements: PaymentRequirements,
  ) => {
    const entry = networks.get(requirements.network)
    if (!entry)
      return reject('NETWORK_UNSUPPORTED', {
        message: `${requirements.network} is not served here`,
      })
    touchedMs = clock.nowMs()
    const verdict = await verifyExactEvm(entry.runtime, payload, requirements, {
      nowSeconds: now(),
      simulate: true,
    })
    if (verdict.verified)
      recent.remember(requirements, String(payload.payload.signature), verdict.verified)
    verifications.add({
      network: requirements.network,
      scheme,
      payer: verdict.response.payer,
      payTo: requirements.payTo,
      amount: requirements.amount,
      reason: verdict.response.invalidReason,
    })
    return verdict.response
  }
  const settle = async (payload: PaymentPayload, requirements: PaymentRequirements) => {
    const entry = networks.get(requirements.network)
    if (!entry) return settleFailure('NETWORK_UNSUPPORTED', { network: requirements.network })
    if (!bound.has(requirements.network)) {
      throw new TollgateError(
        'SETTLE_UNEXPECTED',
        `${requirements.network} has not been reachable since start-up`,
      )
    }
    touchedMs = clock.nowMs()
    try {
      return await entry.engine.settle(payload, requirements)
    } finally {
      // Touched again at the answer: work a settle leaves to recovery (a transaction a dry signer
      // could not send) may have been stored after the last full pass, which then found none.
      touchedMs = clock.nowMs()
    }
  }
  const signers = (network: string) => networks.get(network)?.lanes.addresses ?? []

  const batchSettlement = batchSettlementFace({
    networks: new Map(
      [...networks].map(([name, { runtime, lanes }]) => [
        name,
        {
          runtime,
          lanes,
          ledger: options.ledger,
          receiptTimeoutMs: settings.receiptTimeoutMs,
          receiptPollMs: settings.receiptPollMs,
        },
      ]),
    ),
    authorizer: options.batchSettlementAuthorizer,
    refunds: options.batchSettlementRefunds ?? 'payee-key',
    nowSeconds: now,
    signers,
  })

  return {
    scheme: 'exact',
    caipFamily: 'eip155:*',
    networks: [...networks.keys()],
    extra: () => undefined,
    signers,
    verify: (payload, requirements) => verify('exact', payload, requirements),
    settle,
    upto: {
      scheme: 'upto',
      caipFamily: 'eip155:*',
      networks: [...networks.keys()],
      // The facilitator a buyer's permit names, the only one that may settle it.
      extra: (network) => {
        const addresses = signers(network)
        const chosen = addresses[Math.floor(Math.random() * addresses.length)]
        return chosen ? { facilitatorAddress: chosen } : undefined
      },
      signers,
      verify: (payload, requirements) => verify('upto', payload, requirements),
      settle,
      describePayment: (payload) => {
        const parsed = uptoPermit2PayloadSchema.safeParse(payload.payload)
        return parsed.success
          ? { authorizedAmount: parsed.data.permit2Authorization.permitted.amount }
          : undefined
      },
    },
    batchSettlement,
    readiness: () =>
      Promise.all(
        [...networks.values()].map(({ runtime }) =>
          checkNetworkReadiness(runtime, settings.minimumSignerBalanceWei),
        ),
      ),
    async stats(): Promise<SchemeStats> {
      const engines = [...networks.values()].map((entry) => entry.engine)
      return {
        queueDepth: engines.reduce((sum, engine) => sum + engine.queueDepth, 0),
        pendingTransactions: engines.reduce((sum, engine) => sum + engine.confirming.size, 0),
        signers: [...networks.values()].flatMap(({ runtime }) =>
          runtime.signers.map((signer) => ({
            network: runtime.network,
            address: signer.address,
            balance: balances.get(`${runtime.network}|${signer.address}`) ?? '0',
            nextNonce: undefined,
          })),
        ),
        batchSizes: engines.flatMap((engine) => engine.batchSizes.splice(0)),
        reorganisedTransactions: [...networks.values()].reduce(
          (sum, { watch }) => sum + watch.takeReorganised(),
          0,
        ),
      }
    },
    async start() {
      for (const { runtime } of networks.values()) {
        await bind(runtime).catch((error: unknown) => {
          if (error instanceof TollgateError) throw error
        })
      }
      pacing.starting(clock.nowMs())
      await pass(true)
      if (driven === 0 && touchedMs < pacing.fullPassAtMs) pacing.startedAtRest()
      stopPasses = clock.every(settings.recoveryIntervalMs, tick)
    },
    async stop() {
      stopPasses?.()
      await passing
      for (const { engine } of networks.values()) await engine.drain()
      await verifications.flush()
    },
  }
}

/**
 * Tollgate against the official x402 packages, side by side on one devnet in one run. Each
 * facilitator and each API runs in its own process; this process only generates load. Prints
 * JSON: both sides' figures, the ratios (Tollgate ÷ reference) and the targets they are held to.
 */
import os from 'node:os'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { medianRun } from './lib/load.ts'
import { ratio, type Side, setUpBench, sides } from './lib/setup.ts'
import { benchColdStart } from './sections/coldStart.ts'
import { benchCredit } from './sections/credit.ts'
import { benchDuplicates } from './sections/duplicates.ts'
import { benchEndToEnd } from './sections/endToEnd.ts'
import { benchRest } from './sections/footprint.ts'
import { benchSettle, best, type SettleFigures } from './sections/settle.ts'
import { benchVerify } from './sections/verify.ts'
import { benchVouchers } from './sections/vouchers.ts'

const rounds = Number(process.env.BENCH_ROUNDS ?? 3)
const scale = Number(process.env.BENCH_SCALE ?? 1)

const quietMs = Number(process.env.BENCH_QUIET_MS ?? 10_000)

const bench = await setUpBench()
try {
  // Just started, before any request: what each facilitator costs an API that is not called
  // (after a few seconds in which both finish starting: compiling, loading, first passes).
  await new Promise((resolve) => setTimeout(resolve, 5_000))
  const restAtStart = await benchRest(bench, 'after start', quietMs)
  const verify = await benchVerify(bench, { rounds, scale, concurrencies: [1, 16, 64] })
  // A paid request while the chain is short: anvil 1.7.1 rebuilds its whole state trie for every
  // block, so each payment settled before makes every later block slower to mine (1.25 µs per
  // storage slot, measured), for both sides alike, and the settle sections leave some 16,000
  // slots behind. On a long chain this section measured anvil more than the two stacks.
  const endToEnd = await benchEndToEnd(bench, { rounds, scale })
  // One payment at a time: both sides in turn, round by round, on the same chain, so neither
  // meets a longer chain than the other. Then each side at the concurrencies it handles; the
  // reference's best is what Tollgate is compared with.
  const settleC1: Record<Side, SettleFigures[]> = { tollgate: [], reference: [] }
  for (let pass = 0; pass < rounds; pass++) {
    for (const side of pass % 2 === 0 ? sides : [...sides].reverse()) {
      const total = Math.round(240 * scale)
      settleC1[side].push(
        ...(await benchSettle(bench, side, { rounds: 1, total, concurrencies: [1] })),
      )
    }
  }
  const settle = {
    reference: [
      medianRun(settleC1.reference),
      ...(await benchSettle(bench, 'reference', {
        rounds,
        total: Math.round(240 * scale),
        concurrencies: [8, 16, 32],
      })),
    ],
    tollgate: [
      medianRun(settleC1.tollgate),
      ...(await benchSettle(bench, 'tollgate', {
        rounds,
        total: Math.round(2000 * scale),
        concurrencies: [64, 256],
      })),
    ],
  }
  const duplicates = {
    tollgate: await benchDuplicates(bench, 'tollgate', ANVIL_ACCOUNTS[1].privateKey, 5),
    reference: await benchDuplicates(bench, 'reference', ANVIL_ACCOUNTS[4].privateKey, 5),
  }
  const vouchers = await benchVouchers(bench, { scale })
  const credit = await benchCredit(bench, { scale })
  const coldStart = await benchColdStart()
  // After every load: settlements now sit in Tollgate's reorg window, so its finality watch is on.
  const restAfterLoad = await benchRest(bench, 'after the load', quietMs)
  const verifyBest = { tollgate: best(verify.tollgate), reference: best(verify.reference) }
  const settleBest = { tollgate: best(settle.tollgate), reference: best(settle.reference) }
  const ratios = {
    verifyPerSecondBest: ratio(verifyBest.tollgate.perSecond, verifyBest.reference.perSecond),
    verifyP50C1: ratio(verify.tollgate[0]!.p50Ms, verify.reference[0]!.p50Ms),
    verifyCpuPerRequestC16: ratio(
      verify.tollgate[1]!.cpuMsPerRequest,
      verify.reference[1]!.cpuMsPerRequest,
    ),
    settlePerSecondBest: ratio(settleBest.tollgate.perSecond, settleBest.reference.perSecond),
    settleP50C1: ratio(settle.tollgate[0]!.p50Ms, settle.reference[0]!.p50Ms),
    gasPerPaymentBatched: ratio(
      settleBest.tollgate.gasPerPayment,
      settleBest.reference.gasPerPayment,
    ),
    paidRequestP50: ratio(endToEnd.tollgate.paid.p50Ms, endToEnd.reference.paid.p50Ms),
    paidRequestP50PayingAhead: ratio(
      endToEnd.tollgatePayingAhead.paid.p50Ms,
      endToEnd.reference.paid.p50Ms,
    ),
    paidRequestP50PayingAheadVerifyingLocally: ratio(
      endToEnd.tollgatePayingAheadVerifyingLocally.paid.p50Ms,
      endToEnd.reference.paid.p50Ms,
    ),
    settleCpuPerPaymentBest: ratio(
      settleBest.tollgate.cpuMsPerPayment.facilitator,
      settleBest.reference.cpuMsPerPayment.facilitator,
    ),
    settleCpuPerPaymentC1: ratio(
      settle.tollgate[0]!.cpuMsPerPayment.facilitator,
      settle.reference[0]!.cpuMsPerPayment.facilitator,
    ),
    idleRss: ratio(restAtStart.tollgate.rssMb, restAtStart.reference.rssMb),
    peakRss: ratio(restAfterLoad.tollgate.peakRssMb, restAfterLoad.reference.peakRssMb),
  }
  const targets = {
    settlePerSecondAtLeast10x: ratios.settlePerSecondBest >= 10,
    settleCpuPerPaymentAtMost0_1x: ratios.settleCpuPerPaymentBest <= 0.1,
    settleP50C1AtMost1x: ratios.settleP50C1 <= 1,
    settleCpuPerPaymentC1AtMost1x: ratios.settleCpuPerPaymentC1 <= 1,
    paidRequestP50AtMost0_5x: ratios.paidRequestP50 <= 0.5,
    gasPerPaymentAtMost0_7x: ratios.gasPerPaymentBatched <= 0.7,
    verifyPerSecondAtLeast10x: ratios.verifyPerSecondBest >= 10,
    // "Near zero" at rest: at most 2 ms of CPU a second, before and after the load.
    idleCpuAtMost2MsPerSecond:
      restAtStart.tollgate.cpuMsPerSecond <= 2 && restAfterLoad.tollgate.cpuMsPerSecond <= 2,
    idleRssAtMost2x: ratios.idleRss <= 2,
    peakRssAtMost1x: ratios.peakRss <= 1,
    zeroGasBurntOnDuplicates: duplicates.tollgate.reverted === 0,
    ...coldStart.targets,
    ...vouchers.targets,
    creditWithin2MsOfUnpaidAtP50: credit.targetWithin2MsOfUnpaidAtP50,
  }
  const machine = {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    node: process.version,
    note: 'shared 2-core box; each side in its own process; anvil automine; Tollgate ledger on disk',
  }
  const output = {
    machine,
    rounds,
    scale,
    verify,
    settle,
    duplicates,
    endToEnd,
    rest: { atStart: restAtStart, afterLoad: restAfterLoad },
    vouchers,
    credit,
    coldStart,
    ratios,
    targets,
  }
  process.stdout.write(`${JSON.stringify(output, null, 2)}\n`)
} finally {
  await bench.stop()
}

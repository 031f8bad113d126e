/**
 * Goal: under mixed faults no money is lost or made and nothing is served that was not paid:
 * concurrent payments while the facilitator and the server are killed with SIGKILL and started
 * again, the facilitator's RPC loses, delays, doubles and fails calls, captured payments are
 * settled again straight at the facilitator, and settled blocks are reorganised away. At the end
 * Σ payer debits = merchant credit = Σ confirmed amounts in the ledger = Σ Transfer logs, every
 * 200 is for a payment confirmed on chain, the 200s of one payment are byte-identical, and no
 * payment is left open.
 *
 * Method (Jepsen-bank style, bounded): the dev chain (anvil + token); the facilitator in its own
 * process on an embedded ledger in a folder, reaching anvil through the seeded RPC fault proxy;
 * the paid API in its own process on a folder store; fresh payers paying with the fetch client,
 * which presents the same payment again when an answer is lost, then gives up. The schedule is
 * drawn from a seed, printed first; TOLLGATE_FAULT_SEED sets the extra seed, and the fixed
 * seeds always run (a seed that once failed belongs there).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type LedgerPayment, terminalPaymentStates } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { openLedger } from '@tollgate/ledger'
import { type DevStack, rpcClient } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { paidUnserved, readChain, summary, violations } from './support/faultRunCheck.ts'
import { lateRetries, playSchedule } from './support/faultRunDriver.ts'
import {
  fundedPayers,
  handlerRunsOf,
  type Restartable,
  startRunFacilitator,
  startRunServer,
} from './support/faultRunParts.ts'
import { drawSchedule } from './support/faultRunSchedule.ts'
import { startRpcProxy } from './support/rpcProxy.ts'
import { startTestStack, tokenBalance } from './support/stack.ts'

/** Seeds that always run; add a seed here once it has failed. */
const fixedSeeds = [20_261_203, 429_860_194, 1_454_082_138]
/** Reorganisations of settled blocks, on while the facilitator handles them (reorg.chain.test.ts). */
const withReorgs = true
const sizes = { waves: 3, paymentsMin: 6, paymentsMax: 10, reorgs: withReorgs }

const extraSeed = process.env.TOLLGATE_FAULT_SEED
  ? Number(process.env.TOLLGATE_FAULT_SEED)
  : Math.floor(Math.random() * 2 ** 31)
const seeds = [...new Set([...fixedSeeds, extraSeed])]

let stack: DevStack

beforeAll(async () => {
  stack = await startTestStack()
})
afterAll(() => stack?.stop())

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The longest the running facilitator's finality watch waits between two looks at a head standing
 * still (8 of its 200 ms passes, passPacing.ts): a reorganisation after the last payment is found
 * within it, and a confirmed payment it took away is open again only then.
 */
const stillWatchCeilingMs = 8 * 200

/**
 * Lets recovery finish, then the ledger as the stopped facilitator left it. Bounded: a payment
 * still open after the last round is what the check reports.
 */
async function settledLedger(
  facilitator: Restartable,
  dataDir: string,
): Promise<{ payments: LedgerPayment[]; rounds: number }> {
  for (let round = 1; ; round++) {
    // Later rounds start the facilitator again, and its start-up pass looks at every settlement.
    await sleep(round === 1 ? 1_500 + stillWatchCeilingMs : 1_500)
    await facilitator.stop()
    const ledger = await openLedger({ dataDir })
    const payments = await ledger.recent({ limit: 500 }).finally(() => ledger.close())
    const open = payments.filter((payment) => !terminalPaymentStates.includes(payment.state))
    if (open.length === 0 || round === 6) return { payments, rounds: round }
    await facilitator.start()
  }
}

describe('a bounded randomised fault run', () => {
  it.each(seeds.map((seed, index) => ({ seed, index })))(
    'seed $seed: debits = credits = ledger = logs, every 200 settled and served once',
    async ({ seed, index }) => {
      console.log(`fault run seed ${seed} (repeat with TOLLGATE_FAULT_SEED=${seed})`)
      const { manifest } = stack
      const schedule = drawSchedule(seed, sizes)
      const scratch = await mkdtemp(join(tmpdir(), `tollgate-faultrun-${seed}-`))
      const dataDir = join(scratch, 'ledger')
      const runsFile = join(scratch, 'runs')
      const payers = await fundedPayers(manifest, 3, 1_000_000n)
      const client = rpcClient(manifest.rpcUrl)
      const floorBlock = await client.getBlockNumber()
      const before = {
        payers: await Promise.all(payers.map((payer) => tokenBalance(manifest, payer.address))),
        merchant: await tokenBalance(manifest, manifest.accounts.merchant.address),
        block: floorBlock + 1n,
      }
      const proxy = await startRpcProxy({ upstreamUrl: manifest.rpcUrl, seed })
      const parts: Restartable[] = []
      try {
        const facilitator = await startRunFacilitator(manifest, {
          rpcUrl: proxy.url,
          // A wallet per seed: each run's ledger starts empty and knows only its own nonces.
          signerKey: ANVIL_ACCOUNTS[5 + index]!.privateKey,
          dataDir,
        })
        parts.push(facilitator)
        const server = await startRunServer(manifest, {
          facilitatorUrl: facilitator.url,
          folder: join(scratch, 'store'),
          runsFile,
        })
        parts.push(server)
        const run = { manifest, payers, facilitator, server, proxy, floorBlock }
        const log = await playSchedule(run, schedule)
        await lateRetries(run, log)
        const recoveryStarted = Date.now()
        const { payments: ledger, rounds } = await settledLedger(facilitator, dataDir)
        const recovery = { rounds, ms: Date.now() - recoveryStarted }
        await server.stop()
        const facts = {
          seed,
          log,
          ledger,
          chain: await readChain(
            manifest,
            payers.map((payer) => payer.address),
            before,
          ),
          runs: await handlerRunsOf(runsFile),
          calls: proxy.calls(),
        }
        console.log(
          JSON.stringify({
            ...summary(facts),
            recovery,
            startsMs: { facilitator: facilitator.startsMs, server: server.startsMs },
          }),
        )
        for (const unserved of paidUnserved(facts)) {
          // A settle straight at the facilitator (someone else holding the signed payment) that
          // lands before the buyer's request leaves the nonce spent: the server's verify then
          // refuses it, as the reference's does. Logged; any other case is a violation.
          const why = unserved.settledOutside ? ' (settled straight at the facilitator)' : ''
          console.log(`paid, not served${why}: ${unserved.p} ${unserved.story}`)
        }
        expect(violations(facts)).toEqual([])
        const scheduled = schedule.waves.flatMap((wave) => wave.events.map((event) => event.kind))
        expect(log.kills.facilitator).toBe(
          scheduled.filter((kind) => kind === 'kill-facilitator').length,
        )
        expect(log.kills.server).toBe(scheduled.filter((kind) => kind === 'kill-server').length)
      } finally {
        for (const part of parts) await part.stop()
        await proxy.close()
        await rm(scratch, { recursive: true, force: true })
      }
    },
    180_000,
  )
})

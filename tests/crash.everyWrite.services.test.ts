/**
 * kill -9 right after each ledger write of a settlement, with three facilitator processes sharing
 * one PostgreSQL and one hot wallet: after the killed one restarts, every payment it held ends
 * settled once (taken over when its lease runs out), each authorization is used once on chain,
 * balances move once per payment, and the client's retry, to any of the three, gets the outcome
 * the killed process gave, if it gave one. Method: the writes of one settlement are counted by a
 * run that is not killed, then the third process is killed after each of them in turn.
 */
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { openLedger } from '@tollgate/ledger'
import type { DevStack } from 'tollgate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  balances,
  countSettlementWrites,
  expectSettledOnce,
  expectSettlementWrites,
  freshPayments,
  retryUntilFinal,
  runsThatMustDie,
  settleUntilKilled,
} from './support/crashAtWrite.ts'
import { postgresUrl, requireService, uniqueSchema } from './support/services.ts'
import { type FacilitatorChild, spawnFacilitator } from './support/spawnFacilitator.ts'
import { startTestStack } from './support/stack.ts'

const postgresAvailable = await requireService('postgres')
/** Short, so a killed process's payments are taken over soon; the same in every process. */
const leaseMs = 4_000

const modes = [
  { name: 'one payment', payments: 1, batch: false as const },
  { name: 'three payments in one batch', payments: 3, batch: { maxSize: 3, maxWaitMs: 2_000 } },
]

describe.runIf(postgresAvailable)(
  'kill -9 after every ledger write, three processes on PostgreSQL',
  () => {
    let stack: DevStack
    let survivors: FacilitatorChild[] = []
    const ledgerOptions = { databaseUrl: postgresUrl, schema: uniqueSchema('crash_write') }

    const configFor = (batch: (typeof modes)[number]['batch']) => ({
      rpcUrl: stack.manifest.rpcUrl,
      network: stack.manifest.network,
      signerKey: ANVIL_ACCOUNTS[7].privateKey,
      asset: stack.manifest.asset,
      multicall3: stack.manifest.multicall3,
      ledger: ledgerOptions,
      port: 0,
      batch,
      leaseMs,
    })

    beforeAll(async () => {
      stack = await startTestStack()
      // The first creates the schema; the second starts after it.
      survivors = [await spawnFacilitator(configFor(false))]
      survivors.push(await spawnFacilitator(configFor(false)))
    }, 120_000)
    afterAll(async () => {
      for (const child of survivors) await child.stop()
      await stack?.stop()
    })

    it.each(modes)(
      '$name: every payment ends settled once',
      async ({ payments, batch }) => {
        const config = configFor(batch)
        // The doomed process runs no recovery loop, so its writes are the settlement's only.
        const doomedConfig = { ...config, recoveryIntervalMs: 3_600_000 }
        const writes = await countSettlementWrites(
          doomedConfig,
          await freshPayments(stack, payments),
        )
        const claims = expectSettlementWrites(writes)
        let killed = 0
        const ledger = await openLedger(ledgerOptions)
        try {
          for (let write = 1; write <= writes.length; write++) {
            const where = `killed after write ${write} of ${writes.join(', ')}`
            const bodies = await freshPayments(stack, payments)
            const before = await balances(stack)
            const crash = await settleUntilKilled(doomedConfig, bodies, write)
            if (crash.killed) killed += 1
            const restarted = await spawnFacilitator(config)
            try {
              const urls = [restarted.url, ...survivors.map((child) => child.url)]
              const answers = await retryUntilFinal(urls, bodies, 90_000)
              expect(
                answers.map((answer) => answer.success),
                where,
              ).toEqual(bodies.map(() => true))
              for (const [index, first] of crash.before.entries())
                if (first) expect(answers[index], where).toEqual(first)
              await expectSettledOnce(stack, bodies, answers, before)
              const records = await ledger.recent({ limit: payments })
              expect(
                records.map((record) => record.state),
                where,
              ).toEqual(bodies.map(() => 'confirmed'))
              // The receipt's record of the transaction comes after the answers.
              let open = await ledger.openTransactions(stack.manifest.network)
              for (let wait = 0; open.length > 0 && wait < 100; wait++) {
                await new Promise((resolve) => setTimeout(resolve, 100))
                open = await ledger.openTransactions(stack.manifest.network)
              }
              expect(open, where).toEqual([])
            } finally {
              expect(await restarted.stop(), where).toBe('0')
            }
          }
        } finally {
          await ledger.close()
        }
        expect(killed).toBeGreaterThanOrEqual(runsThatMustDie(writes, claims))
      },
      900_000,
    )
  },
)

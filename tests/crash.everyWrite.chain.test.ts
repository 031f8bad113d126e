/**
 * kill -9 of a facilitator right after each ledger write of a settlement, one payment alone and
 * three in one batch, on the embedded ledger: the restarted process finishes every payment, each
 * authorization is used once on chain, balances move once per payment, and the client's retry
 * gets the outcome the killed process gave, if it gave one. Method: the writes of one settlement
 * are counted by a run that is not killed, then the process is killed after each of them.
 */
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
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
import { spawnFacilitator } from './support/spawnFacilitator.ts'
import { startTestStack } from './support/stack.ts'

let stack: DevStack

beforeAll(async () => {
  stack = await startTestStack()
}, 120_000)
afterAll(() => stack?.stop())

const modes = [
  { name: 'one payment', payments: 1, batch: false as const },
  { name: 'three payments in one batch', payments: 3, batch: { maxSize: 3, maxWaitMs: 2_000 } },
]

describe('kill -9 after every ledger write, embedded ledger', () => {
  it.each(modes)(
    '$name: every payment ends settled once after a restart',
    async ({ payments, batch }) => {
      const { manifest } = stack
      const config = async () => ({
        rpcUrl: manifest.rpcUrl,
        network: manifest.network,
        signerKey: ANVIL_ACCOUNTS[6].privateKey,
        asset: manifest.asset,
        multicall3: manifest.multicall3,
        ledger: { dataDir: await mkdtemp(join(tmpdir(), 'tollgate-crash-write-')) },
        port: 0,
        batch,
      })
      const writes = await countSettlementWrites(
        { ...(await config()), recoveryIntervalMs: 3_600_000 },
        await freshPayments(stack, payments),
      )
      const claims = expectSettlementWrites(writes)
      let killed = 0
      for (let write = 1; write <= writes.length; write++) {
        const where = `killed after write ${write} of ${writes.join(', ')}`
        const shared = await config()
        const bodies = await freshPayments(stack, payments)
        const before = await balances(stack)
        // The doomed process runs no recovery loop, so its writes are the settlement's only.
        const crash = await settleUntilKilled(
          { ...shared, recoveryIntervalMs: 3_600_000 },
          bodies,
          write,
        )
        if (crash.killed) killed += 1
        const restarted = await spawnFacilitator(shared)
        try {
          const answers = await retryUntilFinal([restarted.url], bodies, 60_000)
          expect(
            answers.map((answer) => answer.success),
            where,
          ).toEqual(bodies.map(() => true))
          for (const [index, first] of crash.before.entries())
            if (first) expect(answers[index], where).toEqual(first)
          await expectSettledOnce(stack, bodies, answers, before)
        } finally {
          expect(await restarted.stop(), where).toBe('0')
        }
        const ledger = await openLedger(shared.ledger)
        try {
          const records = await ledger.recent({ limit: 10 })
          expect(
            records.map((record) => record.state),
            where,
          ).toEqual(bodies.map(() => 'confirmed'))
          expect(await ledger.openTransactions(manifest.network), where).toEqual([])
        } finally {
          await ledger.close()
        }
      }
      expect(killed).toBeGreaterThanOrEqual(runsThatMustDie(writes, claims))
    },
    600_000,
  )
})

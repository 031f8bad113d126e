/**
 * Recovery of one network takes over only that network's expired payments. Method: expired
 * payments on two EVM networks in one ledger; a take-over for one network must return only its
 * own and leave the other's rows with their owner, for that network's recovery to take.
 */
import type { SettlementLedger } from '@tollgate/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fixturePayment, ledgerEngines } from './support/ledgerFixtures.ts'

const engines = await ledgerEngines('take_over_network')

for (const [engine, available, open] of engines) {
  describe.runIf(available)(`take-over by network on ${engine}`, () => {
    let ledger: SettlementLedger
    beforeAll(async () => {
      ledger = await open()
    })
    afterAll(() => ledger?.close())

    it("takes only the named network's expired payments", async () => {
      const networks = ['eip155:31337', 'eip155:84532'] as const
      for (const network of networks)
        for (const index of [0, 1])
          await ledger.claim(fixturePayment(`${network}|${index}`, { network }), 'crashed', 0)

      const base = await ledger.takeOverExpired('base-recovery', 60_000, 100, false, networks[1])
      expect(base.map((payment) => payment.key).sort()).toEqual([
        `${networks[1]}|0`,
        `${networks[1]}|1`,
      ])
      const local = await ledger.findByKey(`${networks[0]}|0`)
      expect(local?.owner).toBe('crashed')

      const rest = await ledger.takeOverExpired('local-recovery', 60_000, 100, true, networks[0])
      expect(rest.map((payment) => payment.network)).toEqual([networks[0], networks[0]])
      // Without a network, as before: every expired payment of any network.
      await ledger.claim(fixturePayment('eip155:84532|2', { network: networks[1] }), 'crashed', 0)
      const any = await ledger.takeOverExpired('any', 60_000, 100)
      expect(any.map((payment) => payment.key)).toEqual(['eip155:84532|2'])
    })
  })
}

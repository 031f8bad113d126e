/**
 * Background work at rest, on time that moves only when the test moves it. A facilitator on a
 * ledger no other process writes makes a full pass (recovery, signer balances) once a
 * `idlePassMs` when nothing happens; one on a shared ledger doubles its gap up to the lease, so
 * another process's crashed work is still found within a lease; a request brings either back to
 * `recoveryIntervalMs` at once. Full passes are counted by the signer balance read each makes.
 */
import type { PaymentRequirements, SettlementLedger } from '@tollgate/core'
import { openLedger } from '@tollgate/ledger'
import type { Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { FakeChainClient } from '../testing/fakeChainClient.ts'
import { FakeClock } from '../testing/fakeClock.ts'
import { exactEvmFacilitator } from './exactEvmFacilitator.ts'

const network = 'eip155:84532'
const asset: Address = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const minute = 60_000

let embedded: SettlementLedger
let chain: FakeChainClient
let clock: FakeClock

beforeEach(async () => {
  embedded = await openLedger()
  chain = new FakeChainClient()
  clock = new FakeClock()
})
afterEach(() => embedded.close())

/** The same ledger, presented as one other processes share (as PostgreSQL is). */
function sharedView(ledger: SettlementLedger): SettlementLedger {
  return new Proxy(ledger, {
    get(target, property) {
      if (property === 'exclusive') return false
      const value: unknown = Reflect.get(target, property, target)
      return typeof value === 'function' ? value.bind(target) : value
    },
  })
}

async function started(ledger: SettlementLedger) {
  const facilitator = exactEvmFacilitator({
    networks: [
      {
        network,
        client: chain.client,
        signers: [privateKeyToAccount(generatePrivateKey())],
        assets: [{ address: asset, name: 'USDC', version: '2', decimals: 6 }],
        confirmationDepth: 0,
      },
    ],
    ledger,
    clock,
    recoveryIntervalMs: 1_000,
    leaseMs: 15_000,
    idlePassMs: minute,
  })
  await facilitator.start()
  return facilitator
}

const fullPasses = () => chain.calls.get('eth_getBalance') ?? 0

/** Full passes made while the clock moves `ms`. */
async function passesOver(ms: number): Promise<number> {
  const before = fullPasses()
  await clock.advance(ms)
  return fullPasses() - before
}

describe('full passes at rest', () => {
  it('come once a minute on an embedded ledger, from the start', async () => {
    const facilitator = await started(embedded)
    expect(fullPasses()).toBe(1) // the start-up pass
    expect(await passesOver(59_000)).toBe(0)
    expect(await passesOver(10 * minute)).toBe(10)
    await facilitator.stop()
  })

  it('double up to the lease on a shared ledger', async () => {
    const facilitator = await started(sharedView(embedded))
    // Gaps of 2, 4, 8 and then 15 s (the lease): 4 passes in the first 30 s.
    expect(await passesOver(30_000)).toBe(4)
    expect(await passesOver(minute)).toBe(4)
    await facilitator.stop()
  })

  it('return to the full pace when a request comes', async () => {
    const facilitator = await started(embedded)
    await passesOver(2 * minute)
    // Any verify touches the facilitator, a refused one too: this one names no payload.
    const requirements: PaymentRequirements = {
      scheme: 'exact',
      network,
      amount: '1000',
      asset,
      payTo: '0x000000000000000000000000000000000000bEEF',
      maxTimeoutSeconds: 60,
      extra: { name: 'USDC', version: '2' },
    }
    const answer = await facilitator.verify(
      { x402Version: 2, accepted: requirements, payload: {} },
      requirements,
    )
    expect(answer.isValid).toBe(false)
    // The next tick makes a full pass, and the one after it; that one found nothing and rests.
    expect(await passesOver(2_000)).toBe(2)
    expect(await passesOver(minute - 1_000)).toBe(0)
    expect(await passesOver(1_000)).toBe(1)
    await facilitator.stop()
  })
})

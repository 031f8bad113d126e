import type { LedgerTransaction, NewPayment, SettlementLedger } from '@tollgate/core'
import { openLedger } from '@tollgate/ledger'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { silentEvmLogger } from './failureLog.ts'
import { type BlockHead, type FinalityChain, FinalityWatch } from './finality.ts'
import { networkFinality } from './finalityDefaults.ts'

const network = 'eip155:8453'

/** A chain of block hashes by number; `reorg` rewrites blocks from a height on. */
class FakeChain implements FinalityChain {
  readonly hashes: string[] = []
  readonly receipts = new Map<string, { blockNumber: bigint; blockHash: string }>()
  reads = { head: 0, blockHash: 0, receipt: 0 }
  #fork = 0

  constructor(length: number) {
    this.mine(length)
  }

  mine(count: number): void {
    for (let index = 0; index < count; index += 1)
      this.hashes.push(`0x${this.#fork}b${this.hashes.length}`)
  }

  /** Replaces every block from `height` on with `count` others. */
  reorg(height: number, count: number): void {
    this.#fork += 1
    this.hashes.length = height
    this.mine(count)
  }

  async head(): Promise<BlockHead> {
    this.reads.head += 1
    const number = this.hashes.length - 1
    return {
      number: BigInt(number),
      hash: this.hashes[number]!,
      parentHash: this.hashes[number - 1] ?? '0x',
    }
  }

  async blockHash(number: bigint): Promise<string | undefined> {
    this.reads.blockHash += 1
    return this.hashes[Number(number)]
  }

  async receipt(hash: string) {
    this.reads.receipt += 1
    const receipt = this.receipts.get(hash)
    return receipt && this.hashes[Number(receipt.blockNumber)] === receipt.blockHash
      ? receipt
      : undefined
  }
}

function newPayment(key: string): NewPayment {
  const requirements = {
    scheme: 'exact',
    network,
    amount: '1000',
    asset: '0xasset',
    payTo: '0xpayee',
    maxTimeoutSeconds: 60,
  }
  return {
    key,
    payloadHash: `hash-${key}`,
    network,
    scheme: 'exact',
    payer: '0xpayer',
    payTo: '0xpayee',
    asset: '0xasset',
    amount: '1000',
    payment: {
      paymentPayload: { x402Version: 2, accepted: requirements, payload: { key } },
      paymentRequirements: requirements,
    },
  }
}

let ledger: SettlementLedger
let chain: FakeChain
let resent: LedgerTransaction[]

beforeEach(async () => {
  ledger = await openLedger()
  chain = new FakeChain(10)
  resent = []
})
afterEach(() => ledger.close())

function watch(confirmationDepth: number) {
  return new FinalityWatch({
    network,
    finality: networkFinality(network, { confirmationDepth, reorgWindowBlocks: 16 }),
    chain,
    ledger,
    resend: async (transaction) => {
      resent.push(transaction)
    },
    nowMs: () => 1_000,
    logger: silentEvmLogger,
  })
}

let nonce = 0

/** A payment settled by a transaction mined in the chain's newest block. */
async function settledPayment(state: 'included' | 'confirmed') {
  const claim = await ledger.claim(newPayment(`key-${nonce}`), 'owner', 60_000)
  const hash = `0x${'ab'.repeat(31)}${String(nonce).padStart(2, '0')}`
  nonce += 1
  const transaction = await ledger.submit({
    network,
    signer: '0xsigner',
    kind: 'transfer',
    paymentIds: [claim.payment.id],
    chainNonce: nonce,
    sign: async () => ({ hash, raw: `0xraw${nonce}` }),
  })
  await ledger.transition([claim.payment.id], state, { transaction: hash })
  const blockNumber = BigInt(chain.hashes.length - 1)
  const blockHash = chain.hashes[Number(blockNumber)]!
  await ledger.markTransaction(hash, { state: 'mined', blockNumber, blockHash })
  chain.receipts.set(hash, { blockNumber, blockHash })
  return { id: claim.payment.id, key: `key-${nonce - 1}`, transaction, blockNumber }
}

const stateOf = async (key: string) => (await ledger.findByKey(key))?.state

describe('the finality watch', () => {
  it('reads nothing from the chain while nothing was mined within the window', async () => {
    const watcher = watch(0)
    await watcher.pass()
    const afterFirst = { ...chain.reads }
    await watcher.pass()
    await watcher.pass()
    expect(chain.reads).toEqual(afterFirst)
    expect(afterFirst).toEqual({ head: 1, blockHash: 0, receipt: 0 })
  })

  it('confirms an included payment once the depth is reached, one head read per pass', async () => {
    const watcher = watch(2)
    const payment = await settledPayment('included')
    await watcher.pass()
    expect(await stateOf(payment.key)).toBe('included')
    chain.mine(1)
    await watcher.pass()
    expect(await stateOf(payment.key)).toBe('included')
    chain.mine(1)
    const before = { ...chain.reads }
    await watcher.pass()
    expect(await stateOf(payment.key)).toBe('confirmed')
    // The new head extends the last: the settlement's block hash is known, not read again.
    expect(chain.reads.head - before.head).toBe(1)
    expect(chain.reads.blockHash - before.blockHash).toBe(0)
    expect(watcher.finalityAt(payment.blockNumber, payment.blockNumber + 2n)).toEqual({
      state: 'confirmed',
      confirmations: 2,
      required: 2,
    })
  })

  it('while the head stands still, a pass is one head read and says what it still watches', async () => {
    const watcher = watch(0)
    await settledPayment('confirmed')
    expect(await watcher.pass()).toEqual({ watching: 1, reorganised: 0 })
    const before = { ...chain.reads }
    // The head the settlement was found under: the chain stood still, which the pacing reads.
    expect(await watcher.pass()).toEqual({ watching: 1, reorganised: 0, still: true })
    expect(await watcher.pass()).toEqual({ watching: 1, reorganised: 0, still: true })
    expect(chain.reads).toEqual({ ...before, head: before.head + 2 })
    chain.reorg(chain.hashes.length - 1, 1)
    expect(await watcher.pass()).toEqual({ watching: 1, reorganised: 1 })
    expect(watcher.noted).toBe(false)
    watcher.noteMined()
    expect(watcher.noted).toBe(true)
    await watcher.pass()
    expect(watcher.noted).toBe(false)
  })

  it('sends a transaction whose block was replaced again and moves its payments back', async () => {
    const watcher = watch(0)
    const payment = await settledPayment('confirmed')
    await watcher.pass()
    chain.reorg(Number(payment.blockNumber), 2)
    await watcher.pass()
    expect(await stateOf(payment.key)).toBe('submitted')
    const stored = await ledger.findTransaction(payment.transaction.hash)
    expect(stored).toMatchObject({ state: 'broadcast' })
    expect(stored?.blockNumber).toBeUndefined()
    expect(resent.map((transaction) => transaction.raw)).toEqual([payment.transaction.raw])
    expect(watcher.takeReorganised()).toBe(1)
    expect(watcher.takeReorganised()).toBe(0)
    expect(watcher.resentAtMs(payment.transaction.hash)).toBe(1_000)
    // Nothing is mined any more: later passes leave it to recovery.
    await watcher.pass()
    expect(resent).toHaveLength(1)
  })

  it('treats a chain shorter than the settlement block as reorganised', async () => {
    const watcher = watch(0)
    const payment = await settledPayment('confirmed')
    chain.hashes.length = Number(payment.blockNumber)
    await watcher.pass()
    expect(await stateOf(payment.key)).toBe('submitted')
  })

  it('leaves a payment settled by another transaction alone', async () => {
    const watcher = watch(0)
    const payment = await settledPayment('confirmed')
    await ledger.transition([payment.id], 'confirmed', { transaction: '0xsomeoneelse' })
    chain.reorg(Number(payment.blockNumber), 1)
    await watcher.pass()
    expect(await stateOf(payment.key)).toBe('confirmed')
    expect(resent).toHaveLength(1)
  })

  it('checks a settled payment on chain before its record is repeated', async () => {
    const watcher = watch(3)
    const payment = await settledPayment('included')
    chain.mine(1)
    expect(await watcher.check(payment.transaction.hash)).toEqual({
      onChain: true,
      finality: { state: 'included', confirmations: 1, required: 3 },
    })
    chain.reorg(Number(payment.blockNumber), 1)
    expect(await watcher.check(payment.transaction.hash)).toEqual({ onChain: false })
    expect(await stateOf(payment.key)).toBe('submitted')
    expect(resent).toHaveLength(1)
  })
})

describe('finality settings', () => {
  it('come from the table, 0 on the devnet, and a window never below the depth', () => {
    expect(networkFinality('eip155:8453', {})).toEqual({
      confirmationDepth: 10,
      reorgWindowBlocks: 64,
    })
    expect(networkFinality('eip155:31337', {}).confirmationDepth).toBe(0)
    expect(networkFinality('eip155:999999', {}).confirmationDepth).toBe(12)
    expect(networkFinality('eip155:1', { confirmationDepth: 80 })).toEqual({
      confirmationDepth: 80,
      reorgWindowBlocks: 80,
    })
    expect(() => networkFinality('eip155:1', { confirmationDepth: -1 })).toThrow(RangeError)
  })
})

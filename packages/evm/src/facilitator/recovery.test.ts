/**
 * Recovery's decisions for an open transaction, against a fake chain client and a fake clock:
 * what a failed receipt read proves (nothing), when a broadcast transaction counts as stuck, what
 * a failed replacement does, and whose transaction settled a payment whose nonce someone else
 * used. Method: real signed transactions from real signer lanes, the embedded ledger, a chain in
 * memory (testing/fakeChainClient.ts), and time that moves only when the test moves it.
 */
import type { NewPayment, SettlementLedger } from '@tollgate/core'
import { openLedger } from '@tollgate/ledger'
import { type Address, type Hex, keccak256, parseTransaction, toHex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { Authorization } from '../exact/eip3009/payload.ts'
import { FakeChainClient } from '../testing/fakeChainClient.ts'
import { FakeClock } from '../testing/fakeClock.ts'
import { exactEvmFacilitator } from './exactEvmFacilitator.ts'
import type { EvmFacilitatorLogger } from './failureLog.ts'
import { FinalityWatch, finalityChainOf } from './finality.ts'
import { RecentVerifications } from './recentVerifications.ts'
import { type RecoveryContext, recoveryPass } from './recovery.ts'
import { createNetworkRuntime } from './runtime.ts'
import { SettlementEngine } from './settlementEngine.ts'
import { SignerLanes } from './signerLanes.ts'

const network = 'eip155:84532'
const asset: Address = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const payTo: Address = '0x000000000000000000000000000000000000bEEF'
const stuckAfterMs = 30_000

let ledger: SettlementLedger
let chain: FakeChainClient
let clock: FakeClock
let warnings: { fields: Record<string, unknown>; message: string }[]
let context: RecoveryContext
let lanes: SignerLanes

beforeEach(async () => {
  ledger = await openLedger()
  chain = new FakeChainClient()
  clock = new FakeClock()
  warnings = []
  const logger: EvmFacilitatorLogger = {
    warn: (fields, message) => warnings.push({ fields, message }),
  }
  const signer = privateKeyToAccount(generatePrivateKey())
  const runtime = createNetworkRuntime(
    {
      network,
      client: chain.client,
      signers: [signer],
      assets: [{ address: asset, name: 'USDC', version: '2', decimals: 6 }],
      confirmationDepth: 0,
    },
    clock,
  )
  lanes = new SignerLanes({
    client: chain.client,
    chainId: runtime.chainId,
    network,
    ledger,
    signers: [signer],
    clock,
    logger,
  })
  const watch = new FinalityWatch({
    network,
    finality: runtime.finality,
    chain: finalityChainOf(chain.client),
    ledger,
    resend: (transaction) => lanes.rebroadcast(transaction),
    nowMs: clock.nowMs,
    logger,
  })
  const now = () => Math.floor(clock.nowMs() / 1000)
  const engine = new SettlementEngine({
    runtime,
    ledger,
    lanes,
    recent: new RecentVerifications(0, clock.nowMs),
    timings: { receiptTimeoutMs: 1_000, receiptPollMs: 100, transferGasLimit: 150_000n },
    batch: { maxSize: 1, maxWaitMs: 0 },
    owner: 'owner',
    leaseMs: 60_000,
    now,
    logger,
    watch,
  })
  context = {
    runtime,
    ledger,
    lanes,
    engine,
    owner: 'owner',
    leaseMs: 60_000,
    now,
    logger,
    stuckAfterMs,
    resentAtMs: (hash) => watch.resentAtMs(hash),
  }
})
afterEach(() => ledger.close())

let counter = 0

/** A verified payment in the ledger, not yet in any transaction. */
async function storedPayment() {
  counter += 1
  const authorization: Authorization = {
    from: privateKeyToAccount(generatePrivateKey()).address,
    to: payTo,
    value: '1000',
    validAfter: '0',
    validBefore: String(2 ** 40),
    nonce: keccak256(toHex(`nonce-${counter}-${Math.random()}`)),
  }
  const requirements = {
    scheme: 'exact',
    network,
    amount: '1000',
    asset,
    payTo,
    maxTimeoutSeconds: 60,
  }
  const payment: NewPayment = {
    key: `key-${authorization.nonce}`,
    payloadHash: `hash-${authorization.nonce}`,
    network,
    scheme: 'exact',
    payer: authorization.from,
    payTo,
    asset,
    amount: '1000',
    payment: {
      paymentPayload: {
        x402Version: 2,
        accepted: requirements,
        payload: { authorization, signature: `0x${'11'.repeat(65)}` },
      },
      paymentRequirements: requirements,
    },
  }
  const claim = await ledger.claim(payment, 'owner', 60_000)
  await ledger.transition([claim.payment.id], 'verified')
  return { id: claim.payment.id, key: payment.key, authorization }
}

/** A verified payment, submitted in a transaction the signer lane signed and broadcast. */
async function submittedPayment() {
  const { id, key, authorization } = await storedPayment()
  const { transaction } = await lanes.submit({
    to: asset,
    data: '0x',
    gas: 100_000n,
    kind: 'transfer',
    paymentIds: [id],
  })
  await clock.advance(0)
  return { id, key, authorization, transaction }
}

const paymentState = async (key: string) => (await ledger.findByKey(key))?.state
const storedAtMs = async (hash: string) => (await ledger.findTransaction(hash))!.createdAt.getTime()
const transactionState = async (hash: string) => (await ledger.findTransaction(hash))?.state

describe('recovery of an open transaction', () => {
  it('takes a receipt the RPC fails to return for nothing: the transaction stays open and the pass reports why', async () => {
    const { key, authorization, transaction } = await submittedPayment()
    chain.mine(transaction.hash as Hex, asset, [authorization])
    chain.failing.add('eth_getTransactionReceipt')

    await expect(recoveryPass(context, false)).rejects.toThrow(
      /eth_getTransactionReceipt switched off/,
    )
    // The chain's nonce is past the transaction's, yet it is not declared dropped.
    expect(await transactionState(transaction.hash)).toBe('broadcast')
    expect(await paymentState(key)).toBe('submitted')

    chain.failing.delete('eth_getTransactionReceipt')
    await recoveryPass(context, false)
    expect(await transactionState(transaction.hash)).toBe('mined')
    expect(await ledger.findByKey(key)).toMatchObject({
      state: 'confirmed',
      transaction: transaction.hash,
    })
  })

  it('one unreadable transaction holds up no other', async () => {
    const first = await submittedPayment()
    const second = await submittedPayment()
    chain.mine(second.transaction.hash as Hex, asset, [second.authorization])
    chain.unreadableReceipts.add(first.transaction.hash)
    await expect(recoveryPass(context, false)).rejects.toThrow(/one receipt/)
    expect(await paymentState(second.key)).toBe('confirmed')
    expect(await paymentState(first.key)).toBe('submitted')
  })

  it('replaces a broadcast transaction only once it has waited stuckAfterMs, with fees raised 12.5%', async () => {
    const { key, authorization, transaction } = await submittedPayment()
    expect(chain.sent).toHaveLength(1)

    // Its age counts from the ledger's record of it.
    await clock.advance((await storedAtMs(transaction.hash)) + stuckAfterMs - clock.nowMs())
    await recoveryPass(context, false)
    expect(chain.sent).toHaveLength(1)

    await clock.advance(1)
    await recoveryPass(context, false)
    expect(chain.sent).toHaveLength(2)
    const before = parseTransaction(transaction.raw as Hex)
    const after = parseTransaction(chain.sent[1]!)
    expect(after.nonce).toBe(before.nonce)
    expect(after.maxFeePerGas! * 1000n).toBeGreaterThanOrEqual(before.maxFeePerGas! * 1125n)
    expect(after.maxPriorityFeePerGas! * 1000n).toBeGreaterThanOrEqual(
      before.maxPriorityFeePerGas! * 1125n,
    )

    // The replacement is mined: the payment is settled by it, the original dropped.
    const replacement = keccak256(chain.sent[1]!)
    chain.mine(replacement, asset, [authorization])
    await recoveryPass(context, false)
    expect(await ledger.findByKey(key)).toMatchObject({
      state: 'confirmed',
      transaction: replacement,
    })
    expect(await transactionState(transaction.hash)).toBe('dropped')
    expect(await transactionState(replacement)).toBe('mined')
  })

  it('logs a replacement that fails and sends the same bytes again', async () => {
    const { transaction } = await submittedPayment()
    chain.pool.clear() // the node forgot it while it was underpriced
    chain.failing.add('eth_maxPriorityFeePerGas')
    await clock.advance((await storedAtMs(transaction.hash)) + stuckAfterMs + 1 - clock.nowMs())
    await recoveryPass(context, false)

    expect(warnings).toContainEqual({
      fields: expect.objectContaining({ tx: transaction.hash, network }),
      message: 'replacing a stuck transaction failed',
    })
    expect(chain.sent).toEqual([transaction.raw, transaction.raw])
    expect(chain.pool.has(transaction.hash)).toBe(true)
  })

  it('sends a transaction stored signed but never broadcast, byte for byte', async () => {
    chain.failing.add('eth_sendRawTransaction')
    const { transaction } = await submittedPayment()
    expect(await transactionState(transaction.hash)).toBe('signed')
    chain.failing.delete('eth_sendRawTransaction')

    await recoveryPass(context, false)
    expect(chain.sent.at(-1)).toBe(transaction.raw)
    expect(chain.pool.has(transaction.hash)).toBe(true)
    expect(await transactionState(transaction.hash)).toBe('broadcast')
  })

  it('a nonce used outside the ledger: the payment is settled by whoever used its authorization', async () => {
    const { key, authorization, transaction } = await submittedPayment()
    const elsewhere = chain.useElsewhere(
      asset,
      authorization,
      transaction.signer as Address,
      transaction.nonce,
    )
    await recoveryPass(context, false)
    expect(await transactionState(transaction.hash)).toBe('dropped')
    expect(await ledger.findByKey(key)).toMatchObject({
      state: 'confirmed',
      transaction: elsewhere,
    })
  })
})

describe('the facilitator on an injected clock', () => {
  it('runs its recovery passes when the clock says, not when the wall clock does', async () => {
    const signer = privateKeyToAccount(generatePrivateKey())
    const facilitator = exactEvmFacilitator({
      networks: [
        {
          network,
          client: chain.client,
          signers: [signer],
          assets: [{ address: asset, name: 'USDC', version: '2', decimals: 6 }],
          confirmationDepth: 0,
        },
      ],
      ledger,
      clock,
      instanceId: 'owner', // the process that stored the payment, restarted
      recoveryIntervalMs: 1_000,
      logger: { warn: (fields, message) => warnings.push({ fields, message }) },
    })
    // A payment stored with its signed transaction by an earlier run that never sent it.
    const { key, authorization, id } = await storedPayment()
    const raw = await signer.signTransaction({
      type: 'eip1559',
      chainId: 84532,
      to: asset,
      data: '0x',
      gas: 100_000n,
      nonce: 0,
      value: 0n,
      ...chain.fees,
    })
    const transaction = await ledger.submit({
      network,
      signer: signer.address,
      kind: 'transfer',
      paymentIds: [id],
      chainNonce: 0,
      sign: async () => ({
        hash: keccak256(raw),
        raw,
        maxFeePerGas: String(chain.fees.maxFeePerGas),
      }),
    })
    await facilitator.start() // the start-up pass sends it
    expect(warnings).toEqual([])
    expect(chain.sent).toEqual([raw])
    chain.mine(transaction.hash as Hex, asset, [authorization])

    await new Promise((resolve) => setTimeout(resolve, 1_200))
    expect(await paymentState(key)).toBe('submitted')
    await clock.advance(1_000)
    expect(await paymentState(key)).toBe('confirmed')
    await facilitator.stop()
    expect(clock.pending).toBe(0)
  })
})

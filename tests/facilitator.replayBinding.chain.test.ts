/**
 * A settlement's outcome is bound to what it paid, and a verification to what it verified.
 * Goal: a stored or in-flight settlement is answered only to a request for the same payment
 * (scheme, network, asset, amount and payTo, compared canonically), and a recent verification is
 * reused only for the very authorization, signature and requirements that passed it. Method:
 * fast-check, with fixed seeds printed on failure, derives copies of a settled or verified payment
 * whose requirements or authorization differ (homoglyph schemes included) and sends them to
 * /settle and /verify, alone and at once with the original; the chain's Transfer logs, the payer's
 * balance and the ledger's rows then show what moved and what was recorded.
 */
import { errorCodes, type PaymentPayload, type PaymentRequirements, reasonOf } from '@tollgate/core'
import { ANVIL_ACCOUNTS } from '@tollgate/devnet'
import { type Authorization, exactEvmPayloadSchema } from '@tollgate/evm'
import fc from 'fast-check'
import { type DevStack, rpcClient } from 'tollgate'
import { type Address, bytesToHex, erc20Abi, getAddress } from 'viem'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startFacilitator,
  startTestStack,
  type TestFacilitator,
  tokenBalance,
  weatherRequirements,
} from './support/stack.ts'

let stack: DevStack
let facilitator: TestFacilitator
let requirements: PaymentRequirements

beforeAll(async () => {
  stack = await startTestStack()
  facilitator = await startFacilitator(stack, { signerKey: ANVIL_ACCOUNTS[4].privateKey })
  requirements = weatherRequirements(stack.manifest)
})
afterAll(async () => {
  await facilitator?.close()
  await stack?.stop()
})

const knownReasons = new Set<string>(Object.values(errorCodes).map((entry) => entry.reason))
const payer = () => stack.manifest.accounts.payer.address
const merchant = () => stack.manifest.accounts.merchant.address
const nowSeconds = () => Math.floor(Date.now() / 1000)

type Field = 'payTo' | 'amount' | 'asset' | 'network' | 'scheme'
/** Where a changed requirement field goes: the request's requirements, the payload's `accepted`, or both. */
type Place = 'requirements' | 'accepted' | 'both'
interface RequirementChange {
  field: Field
  value: string
  place: Place
}
interface Change {
  requirement?: RequirementChange | undefined
  authorization?: Partial<Authorization> | undefined
}

/** Runs a property with a fixed seed and names the seed when it fails, so a failure replays. */
async function check<T>(seed: number, numRuns: number, property: fc.IAsyncProperty<T>) {
  try {
    await fc.assert(property, { seed, numRuns, endOnFailure: true })
  } catch (error) {
    const { message, cause } = error as Error
    throw new Error(`property failed with fast-check seed ${seed}:\n${message}\n${String(cause)}`)
  }
}

const anyAddress = fc
  .tuple(fc.uint8Array({ minLength: 20, maxLength: 20 }), fc.boolean())
  .map(([bytes, lower]) => (lower ? bytesToHex(bytes) : getAddress(bytesToHex(bytes))))

/** An address other than `known`, random or one of the stack's own accounts, in any case. */
function otherAddress(known: () => string): fc.Arbitrary<string> {
  const accounts = fc.constantFrom(
    payer(),
    merchant(),
    stack.manifest.asset.address,
    ANVIL_ACCOUNTS[4].address,
    '0x0000000000000000000000000000000000000000',
  )
  return fc.oneof(anyAddress, accounts).filter((a) => a.toLowerCase() !== known().toLowerCase())
}

const otherAmount = fc
  .oneof(
    fc.constantFrom('0', '1', '5', '999', '1001', '10000', '1000000000000'),
    fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }).map(String),
  )
  .filter((amount) => amount !== '1000')

/** Schemes that look like `exact` or are another real one: the first has a Cyrillic a. */
const otherScheme = fc.constantFrom(
  'ex\u0430ct',
  '\u0435xact',
  'exac\u0442',
  'Exact',
  'EXACT',
  'exact ',
  'exact\u200b',
  'upto',
)
const otherNetwork = fc.constantFrom(
  'eip155:1',
  'eip155:8453',
  'eip155:84532',
  'eip155:31338',
  'eip155:031337',
  'solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1',
)

function requirementChange(): fc.Arbitrary<RequirementChange> {
  const anywhere = fc.constantFrom<Place>('requirements', 'accepted', 'both')
  // Only scheme and network of `accepted` are compared with the requirements (as the reference
  // does); the money fields count where the server states them.
  const stated = fc.constantFrom<Place>('requirements', 'both')
  const change = (field: Field, value: fc.Arbitrary<string>, place: fc.Arbitrary<Place>) =>
    fc.record({ field: fc.constant(field), value, place })
  return fc.oneof(
    change('payTo', otherAddress(merchant), stated),
    change('amount', otherAmount, stated),
    change(
      'asset',
      otherAddress(() => stack.manifest.asset.address),
      stated,
    ),
    change('network', otherNetwork, anywhere),
    change('scheme', otherScheme, anywhere),
  )
}

/** Changed authorization fields (mostly one), some inside the validity window, some outside it. */
function authorizationChange(
  fields: ReadonlyArray<keyof Authorization>,
): fc.Arbitrary<Partial<Authorization>> {
  const now = nowSeconds()
  const all = {
    from: otherAddress(payer),
    to: otherAddress(merchant),
    value: otherAmount,
    validAfter: fc
      .oneof(fc.integer({ min: 1, max: now - 60 }), fc.integer({ min: now + 60, max: now + 9999 }))
      .map(String),
    validBefore: fc
      .oneof(fc.integer({ min: now + 400, max: now + 10 ** 6 }), fc.integer({ min: 1, max: now }))
      .map(String),
    nonce: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(bytesToHex),
  }
  const chosen = fc.oneof(
    { arbitrary: fc.constantFrom(...fields).map((field) => [field]), weight: 2 },
    { arbitrary: fc.subarray([...fields], { minLength: 2 }), weight: 1 },
  )
  return chosen.chain((picked) =>
    fc
      .record(Object.fromEntries(picked.map((field) => [field, all[field]])))
      .map((change): Partial<Authorization> => change),
  )
}

/** Other requirements, another authorization (same signature), or both. */
function anyChange(fields: ReadonlyArray<keyof Authorization>): fc.Arbitrary<Change> {
  return fc.oneof(
    requirementChange().map((requirement): Change => ({ requirement })),
    authorizationChange(fields).map((authorization): Change => ({ authorization })),
    fc.record({ requirement: requirementChange(), authorization: authorizationChange(fields) }),
  )
}

function authorizationOf(payload: PaymentPayload): Authorization {
  return exactEvmPayloadSchema.parse(payload.payload).authorization
}

/** The request for `payload` with `change` applied; the signature stays the original one. */
function changedBody(payload: PaymentPayload, change: Change) {
  const required: PaymentRequirements = { ...requirements }
  const accepted: PaymentRequirements = { ...payload.accepted }
  const { requirement } = change
  if (requirement && requirement.place !== 'accepted')
    required[requirement.field] = requirement.value
  if (requirement && requirement.place !== 'requirements')
    accepted[requirement.field] = requirement.value
  const authorization = { ...authorizationOf(payload), ...change.authorization }
  return facilitatorBody(
    { ...payload, accepted, payload: { ...payload.payload, authorization } },
    required,
  )
}

/** The reason a request with only this requirement changed must be refused with. */
function expectedReason(change: RequirementChange): string {
  const routed = change.place !== 'accepted'
  if (change.field === 'payTo') return reasonOf('EVM_EXACT_RECIPIENT_MISMATCH')
  if (change.field === 'amount') return reasonOf('EVM_EXACT_VALUE_MISMATCH')
  if (change.field === 'asset') return reasonOf('ASSET_NOT_ALLOWED')
  if (change.field === 'network')
    return reasonOf(routed ? 'NETWORK_UNSUPPORTED' : 'EVM_EXACT_NETWORK_MISMATCH')
  // `upto` is served here too, and refuses an EIP-3009 payload as the reference does.
  if (routed && change.value === 'upto') return reasonOf('PAYLOAD_TYPE_UNSUPPORTED')
  return reasonOf(routed ? 'SCHEME_UNSUPPORTED' : 'EVM_EXACT_SCHEME_INVALID')
}

function keyOf(payload: PaymentPayload): string {
  const { from, nonce } = authorizationOf(payload)
  return [requirements.network, requirements.asset, from, nonce].join('|').toLowerCase()
}

/** Every token transfer out of `from`, to anyone. */
async function debits(from: string): Promise<number> {
  const logs = await rpcClient(stack.manifest.rpcUrl).getContractEvents({
    address: stack.manifest.asset.address as Address,
    abi: erc20Abi,
    eventName: 'Transfer',
    args: { from: from as Address },
    fromBlock: 0n,
  })
  return logs.length
}

const post = (path: '/verify' | '/settle', body: unknown) =>
  postFacilitator(facilitator.manifest, path, body)

/** Keys of the payments this file settled on purpose: no other may ever be confirmed. */
const settledKeys = new Set<string>()

/** Settles the original payment and returns its transaction. */
async function settleOriginal(payload: PaymentPayload): Promise<string> {
  settledKeys.add(keyOf(payload))
  const answer = await post('/settle', facilitatorBody(payload, requirements))
  expect(answer.body).toMatchObject({ success: true, payer: payer(), amount: '1000' })
  return String(answer.body.transaction)
}

/** The ledger's row of `payload` is still the original's, settled by `transaction`. */
async function expectRowIntact(payload: PaymentPayload, transaction: string) {
  const row = await facilitator.built.ledger.findByKey(keyOf(payload))
  expect(row?.payment.paymentPayload.payload).toEqual(payload.payload)
  expect(row).toMatchObject({
    key: keyOf(payload),
    payer: payer().toLowerCase(),
    payTo: merchant().toLowerCase(),
    amount: '1000',
    state: 'confirmed',
    transaction,
  })
}

describe('a settled payment answers only requests for the same payment', () => {
  it('refuses every copy with other requirements or another authorization, and moves nothing more', async () => {
    const payload = await signPayment(stack.manifest, requirements)
    const transaction = await settleOriginal(payload)
    const row = await facilitator.built.ledger.findByKey(keyOf(payload))
    const [debited, balance] = [await debits(payer()), await tokenBalance(stack.manifest, payer())]
    const change = anyChange(['from', 'to', 'value', 'validAfter', 'validBefore', 'nonce'])
    await check(
      0x11_0001,
      100,
      fc.asyncProperty(change, async (picked) => {
        const body = changedBody(payload, picked)
        const settled = await post('/settle', body)
        const verified = await post('/verify', body)
        expect(settled.body.success).toBe(false)
        expect(verified.body.isValid).toBe(false)
        expect(knownReasons).toContain(settled.body.errorReason)
        expect(knownReasons).toContain(verified.body.invalidReason)
        if (picked.requirement && !picked.authorization) {
          expect(settled.body.errorReason).toBe(expectedReason(picked.requirement))
          expect(verified.body.invalidReason).toBe(expectedReason(picked.requirement))
        }
        expect(settled.body.transaction).not.toBe(transaction)
        expect(await debits(payer())).toBe(debited)
        expect(await tokenBalance(stack.manifest, payer())).toBe(balance)
        await expectRowIntact(payload, transaction)
        expect((await facilitator.built.ledger.findByKey(keyOf(payload)))?.payloadHash).toBe(
          row?.payloadHash,
        )
      }),
    )
  })

  it('gives the stored outcome to the same payment written another way, even once expired', async () => {
    // Valid for 8 s: settled at once, then asked again once a fresh verification would refuse it.
    const payload = await signPayment(stack.manifest, requirements, {
      authorization: { validBefore: String(nowSeconds() + 8) },
    })
    const transaction = await settleOriginal(payload)
    const debited = await debits(payer())
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    const fresh = await post('/verify', facilitatorBody(payload, requirements))
    expect(fresh.body.invalidReason).toBe(reasonOf('EVM_EXACT_VALID_BEFORE'))
    const same: PaymentRequirements[] = [
      requirements,
      { ...requirements, payTo: merchant().toLowerCase() },
      { ...requirements, asset: requirements.asset.toLowerCase() },
      { ...requirements, maxTimeoutSeconds: 5 },
      { ...requirements, extra: { ...requirements.extra, note: 'ignored' } },
    ]
    for (const variant of same) {
      const answer = await post('/settle', facilitatorBody(payload, variant))
      expect(answer.body).toMatchObject({ success: true, transaction, payer: payer() })
    }
    expect(await debits(payer())).toBe(debited)
  })

  it('refuses copies sent at once with the original, which settles once', async () => {
    const copies = fc.array(anyChange(['from', 'validAfter', 'validBefore', 'nonce']), {
      minLength: 1,
      maxLength: 3,
    })
    await check(
      0x11_0002,
      20,
      fc.asyncProperty(copies, fc.nat(3), async (changes, position) => {
        const payload = await signPayment(stack.manifest, requirements)
        const debited = await debits(payer())
        const bodies = changes.map((picked) => changedBody(payload, picked))
        const original = facilitatorBody(payload, requirements)
        bodies.splice(Math.min(position, bodies.length), 0, original)
        const answers = await Promise.all(bodies.map((body) => post('/settle', body)))
        for (const [index, answer] of answers.entries()) {
          if (bodies[index] === original) {
            // A copy with the same payer and nonce may hold the authorization for a moment.
            if (answer.body.success !== true)
              expect(answer.body.errorReason).toBe(reasonOf('SETTLEMENT_DUPLICATE'))
          } else expect(answer.body.success).toBe(false)
        }
        // Asked again, the original settles (or answers its settlement), and exactly once.
        await expectRowIntact(payload, await settleOriginal(payload))
        expect(await debits(payer())).toBe(debited + 1)
      }),
    )
  })
})

describe('a recent verification is reused only for the same authorization', () => {
  it('settles no tampered copy of a verified payment, and the original once', async () => {
    const tampered = fc.array(
      authorizationChange(['from', 'value', 'validAfter', 'validBefore', 'nonce']),
      { minLength: 1, maxLength: 3 },
    )
    await check(
      0x11_0003,
      30,
      fc.asyncProperty(tampered, fc.boolean(), async (changes, thenOriginal) => {
        const payload = await signPayment(stack.manifest, requirements)
        const debited = await debits(payer())
        const verified = await post('/verify', facilitatorBody(payload, requirements))
        expect(verified.body.isValid).toBe(true)
        for (const authorization of changes) {
          const answer = await post('/settle', changedBody(payload, { authorization }))
          expect(answer.body.success).toBe(false)
          expect(knownReasons).toContain(answer.body.errorReason)
        }
        expect(await debits(payer())).toBe(debited)
        if (thenOriginal) await expectRowIntact(payload, await settleOriginal(payload))
        expect(await debits(payer())).toBe(debited + (thenOriginal ? 1 : 0))
        // No tampered key or payer was ever recorded as settled.
        const confirmed = await facilitator.built.ledger.recent({
          limit: 1000,
          states: ['confirmed'],
        })
        for (const payment of confirmed) expect(settledKeys).toContain(payment.key)
      }),
    )
  })
})

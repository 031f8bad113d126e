/**
 * Hostile strings and nesting in otherwise valid, signed payments, on the real dev stack. A NUL,
 * a lone surrogate or a few thousand levels of nesting in a field nobody reads (`resource`,
 * `extensions`, `accepted.extra`) is the buyer's malformed payment: 200 invalid_payload from the
 * facilitator's /verify and /settle, 402 invalid_payload from the example API, nothing debited,
 * and the nonce left usable. Honest payments settled at the same moment as hostile ones (sharing
 * a claim batch) all succeed, each payer debited exactly once; that holds even for an embedding
 * application that hands the facilitator bodies without the HTTP parser in front. Seeded: a
 * failure names its seed, and FC_SEED replays another.
 */
import {
  decodePaymentRequiredHeader,
  encodeJsonHeader,
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
} from '@tollgate/core'
import { ANVIL_ACCOUNTS, devnetChain } from '@tollgate/devnet'
import fc from 'fast-check'
import { type DevStack, rpcClient } from 'tollgate'
import { createWalletClient, erc20Abi, http } from 'viem'
import { generatePrivateKey, type PrivateKeyAccount, privateKeyToAccount } from 'viem/accounts'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  facilitatorBody,
  postFacilitator,
  signPayment,
  startFacilitator,
  startTestStack,
  type TestFacilitator,
  tokenBalance,
  transferCount,
  weatherRequirements,
} from './support/stack.ts'

const seed = Number(process.env.FC_SEED ?? 20260913)
console.info(`hostile input (chain): fast-check seed ${seed} (FC_SEED to replay another)`)
/** Far past core's nesting limit, and within Node's 16 KiB of request headers once base64'd. */
const deepLevels = 2_000
let stack: DevStack
let requirements: PaymentRequirements
const merchant = () => stack.manifest.accounts.merchant.address

beforeAll(async () => {
  stack = await startTestStack()
  requirements = weatherRequirements(stack.manifest)
})
afterAll(() => stack?.stop())

function deep(levels: number): unknown {
  let value: unknown = 'bottom'
  for (let level = 0; level < levels; level++) value = level % 2 ? [value] : { k: value }
  return value
}

const places = ['resource', 'extensions', 'accepted.extra'] as const
type Place = (typeof places)[number]
const hostileKinds = ['nul', 'lone surrogate', 'deep nesting'] as const
type HostileKind = (typeof hostileKinds)[number]

function hostileValue(kind: HostileKind, text: string): unknown {
  if (kind === 'nul') return `${text}\u0000${text}`
  if (kind === 'lone surrogate') return `${text}\uD800${text}`
  return deep(deepLevels)
}

/** The signed payment with one more entry, `name: value`, in an ignored field. */
function inject(
  payment: PaymentPayload,
  place: Place,
  name: string,
  value: unknown,
): PaymentPayload {
  const copy = structuredClone(payment)
  if (place === 'resource') copy.resource = { ...copy.resource!, [name]: value }
  if (place === 'extensions') copy.extensions = { ...copy.extensions, [name]: value }
  if (place === 'accepted.extra')
    copy.accepted = { ...copy.accepted, extra: { ...copy.accepted.extra, [name]: value } }
  return copy
}

async function expectRefusedEverywhere(payment: PaymentPayload) {
  const body = facilitatorBody(payment, requirements)
  const verify = await postFacilitator(stack.manifest, '/verify', body)
  expect(verify).toMatchObject({
    status: 200,
    body: { isValid: false, invalidReason: reasonOf('PAYLOAD_MALFORMED') },
  })
  const settle = await postFacilitator(stack.manifest, '/settle', body)
  expect(settle).toMatchObject({
    status: 200,
    body: { success: false, errorReason: reasonOf('PAYLOAD_MALFORMED'), transaction: '' },
  })
  // The header carries base64 of the JSON text: a lone surrogate arrives as its escape, \ud800.
  const response = await fetch(`${stack.manifest.exampleApiUrl}/weather`, {
    headers: { 'PAYMENT-SIGNATURE': encodeJsonHeader(payment) },
  })
  expect(response.status).toBe(402)
  const required = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!)
  expect(required.error).toBe(reasonOf('PAYLOAD_MALFORMED'))
}

describe('a signed payment with a hostile ignored field', () => {
  it.each(hostileKinds.flatMap((kind) => places.map((place) => [kind, place] as const)))(
    '%s in %s: 200 invalid_payload from the facilitator, 402 from the API',
    async (kind, place) => {
      const payer = stack.manifest.accounts.payer.address
      const before = await tokenBalance(stack.manifest, payer)
      const payment = await signPayment(stack.manifest, requirements)
      await expectRefusedEverywhere(inject(payment, place, 'note', hostileValue(kind, 'x')))
      expect(await tokenBalance(stack.manifest, payer)).toBe(before)
    },
  )

  it('is refused wherever the hostile entry sits and whatever surrounds it (seeded)', async () => {
    const payment = await signPayment(stack.manifest, requirements)
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...hostileKinds),
        fc.constantFrom(...places),
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.string({ maxLength: 8 }),
        async (kind, place, name, text) => {
          await expectRefusedEverywhere(inject(payment, place, name, hostileValue(kind, text)))
        },
      ),
      { seed, numRuns: 12 },
    )
  })

  it('leaves the payment usable: the clean copy of the same signature settles once', async () => {
    const payer = stack.manifest.accounts.payer.address
    const debits = await transferCount(stack.manifest, payer, merchant())
    const payment = await signPayment(stack.manifest, requirements)
    await expectRefusedEverywhere(inject(payment, 'resource', 'note', hostileValue('nul', 'x')))
    const settle = await postFacilitator(
      stack.manifest,
      '/settle',
      facilitatorBody(payment, requirements),
    )
    expect(settle).toMatchObject({ status: 200, body: { success: true } })
    expect(await transferCount(stack.manifest, payer, merchant())).toBe(debits + 1)
  })
})

/** Fresh payers holding three prices each, so a second debit would show in the balance. */
async function fundedPayers(count: number): Promise<PrivateKeyAccount[]> {
  const { manifest } = stack
  const client = rpcClient(manifest.rpcUrl)
  const funder = createWalletClient({
    account: privateKeyToAccount(manifest.accounts.payer.privateKey),
    chain: devnetChain(manifest.chainId, manifest.rpcUrl, manifest.multicall3!),
    transport: http(manifest.rpcUrl),
  })
  const payers = Array.from({ length: count }, () => privateKeyToAccount(generatePrivateKey()))
  for (const payer of payers) {
    await client.waitForTransactionReceipt({
      hash: await funder.writeContract({
        address: manifest.asset.address,
        abi: erc20Abi,
        functionName: 'transfer',
        args: [payer.address, 3n * BigInt(requirements.amount)],
      }),
    })
  }
  return payers
}

/**
 * Signs one payment per payer, hostile for the second half, settles them all at once through
 * `settle`, and checks that every honest payer paid exactly once and no hostile one paid.
 */
async function settleMixed(
  settle: (body: unknown) => Promise<{ status: number; body: Record<string, unknown> }>,
  expectHostile: (answer: { status: number; body: Record<string, unknown> }) => void,
) {
  const { manifest } = stack
  const honest = await fundedPayers(4)
  const hostile = await fundedPayers(4)
  const bodies = await Promise.all([
    ...honest.map(async (signer) =>
      facilitatorBody(await signPayment(manifest, requirements, { signer }), requirements),
    ),
    ...hostile.map(async (signer, index) => {
      const payment = await signPayment(manifest, requirements, { signer })
      const kind = hostileKinds[index % 2]!
      return facilitatorBody(
        inject(payment, 'resource', 'note', hostileValue(kind, 'x')),
        requirements,
      )
    }),
  ])
  const answers = await Promise.all(bodies.map(settle))
  const price = BigInt(requirements.amount)
  for (const [index, signer] of honest.entries()) {
    expect(answers[index]).toMatchObject({ status: 200, body: { success: true } })
    expect(await tokenBalance(manifest, signer.address)).toBe(2n * price)
    expect(await transferCount(manifest, signer.address, merchant())).toBe(1)
  }
  for (const [index, signer] of hostile.entries()) {
    expectHostile(answers[honest.length + index]!)
    expect(await tokenBalance(manifest, signer.address)).toBe(3n * price)
  }
}

describe('honest payments settled at the same moment as hostile ones', () => {
  it('over HTTP: the honest ones settle, the hostile ones get 200 invalid_payload', async () => {
    await settleMixed(
      (body) => postFacilitator(stack.manifest, '/settle', body),
      (answer) =>
        expect(answer).toMatchObject({
          status: 200,
          body: { success: false, errorReason: reasonOf('PAYLOAD_MALFORMED') },
        }),
    )
  })

  describe('in process, no HTTP parser in front: hostile claims reach the batcher', () => {
    let facilitator: TestFacilitator
    beforeAll(async () => {
      facilitator = await startFacilitator(stack, { signerKey: ANVIL_ACCOUNTS[4].privateKey })
    })
    afterAll(() => facilitator?.close())

    it('the honest ones settle, each debited once; the hostile ones fail alone', async () => {
      await settleMixed(
        async (body) => {
          const answer = await facilitator.built.facilitator.settle(body)
          return { status: answer.status, body: { ...answer.body } }
        },
        (answer) => expect(answer.body.success).toBe(false),
      )
    })
  })
})

import { preparePayment } from '@tollgate/client'
import {
  isTollgateError,
  type PaymentPayload,
  type PaymentRequired,
  type PaymentRequirements,
  reasonOf,
} from '@tollgate/core'
import { exactEvmClient } from '@tollgate/evm'
import fc from 'fast-check'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { chainOf, mandateNonce } from './binding.ts'
import { mandateCheck } from './mandateCheck.ts'
import { mandatePayer } from './mandatePayer.ts'
import { createOpenMandate, type OpenMandateTerms } from './mandates.ts'
import { generateMandateKeys, issueDelegateSdJwt } from './sdJwt.ts'

const network = 'eip155:84532'
const usdc = '0x036CbD53842c5426634e7929541eC2318f3dCF7e'
const merchant = '0x1111111111111111111111111111111111111111'

function offer(amount: string, payTo = merchant): PaymentRequired {
  const requirements: PaymentRequirements = {
    scheme: 'exact',
    network,
    amount,
    asset: usdc,
    payTo,
    maxTimeoutSeconds: 300,
    extra: { name: 'USDC', version: '2' },
  }
  return { x402Version: 2, resource: { url: 'https://agent.example/a2a' }, accepts: [requirements] }
}

async function setUp(terms: Partial<OpenMandateTerms> = {}) {
  const owner = await generateMandateKeys()
  const agent = await generateMandateKeys()
  const mandate = await createOpenMandate({
    owner,
    agentKey: agent.publicJwk,
    budget: { amount: 5, currency: 'USD' },
    amountRange: { max: 2, currency: 'USD' },
    payees: [{ id: merchant }],
    expiresAt: new Date(Date.now() + 3_600_000),
    ...terms,
  })
  const signed: unknown[] = []
  const account = privateKeyToAccount(generatePrivateKey())
  const signer = {
    address: account.address,
    signTypedData: async (data: Parameters<typeof account.signTypedData>[0]) => {
      signed.push(data)
      return account.signTypedData(data)
    },
  }
  const payer = {
    schemes: [exactEvmClient({ signer: signer as never })],
    ...(await mandatePayer({ mandate, agentKey: agent.privateJwk })),
  }
  const pay = (required: PaymentRequired) =>
    preparePayment(required, 'https://agent.example/a2a', payer).then(
      (prepared) => prepared.payment,
    )
  return { owner, agent, mandate, pay, signed }
}

async function refusalOf(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  if (!isTollgateError(error)) throw new Error(`expected a refusal, got ${String(error)}`)
  return error.reason
}

describe('an AP2 open payment mandate in the wallet', () => {
  it('binds an allowed payment: nonce = keccak256(chain), and the merchant accepts it', async () => {
    const { pay } = await setUp()
    const payment = await pay(offer('10000'))
    const chain = chainOf(payment)!
    expect(chain.split('~~')).toHaveLength(2)
    expect((payment.payload.authorization as { nonce: string }).nonce).toBe(mandateNonce(chain))
    expect(await mandateCheck()(payment)).toBeUndefined()
  })

  it('never signs a payment to a payee the mandate does not allow, nor above its range', async () => {
    const { pay, signed } = await setUp()
    expect(await refusalOf(pay(offer('10000', '0x2222222222222222222222222222222222222222')))).toBe(
      reasonOf('MANDATE_PAYEE_NOT_ALLOWED'),
    )
    // $0.02 is the most one payment may be; $0.020001 is over it.
    expect(await refusalOf(pay(offer('20001')))).toBe(reasonOf('MANDATE_AMOUNT_OUT_OF_RANGE'))
    expect(signed).toHaveLength(0)
  })

  it('holds the budget across payments', async () => {
    const { pay, signed } = await setUp({ amountRange: { max: 5, currency: 'USD' } })
    await pay(offer('20000'))
    await pay(offer('20000'))
    // $0.04 of the $0.05 budget is reserved: $0.02 more would pass it.
    expect(await refusalOf(pay(offer('20000')))).toBe(reasonOf('MANDATE_BUDGET_EXCEEDED'))
    expect(signed).toHaveLength(2)
  })

  it('refuses an expired mandate and one made out to another agent key', async () => {
    const expired = await setUp({ expiresAt: new Date(Date.now() - 1000) })
    expect(await refusalOf(expired.pay(offer('1000')))).toBe(reasonOf('MANDATE_EXPIRED'))
    const owner = await generateMandateKeys()
    const someoneElse = await generateMandateKeys()
    const mandate = await createOpenMandate({
      owner,
      agentKey: someoneElse.publicJwk,
      expiresAt: new Date(Date.now() + 60_000),
    })
    const agent = await generateMandateKeys()
    expect(await refusalOf(mandatePayer({ mandate, agentKey: agent.privateJwk }))).toBe(
      reasonOf('MANDATE_AGENT_KEY_MISMATCH'),
    )
  })

  it('fails a constraint it does not know, as AP2 says', async () => {
    const owner = await generateMandateKeys()
    const agent = await generateMandateKeys()
    const mandate = await issueDelegateSdJwt(
      {
        vct: 'mandate.payment.open.1',
        constraints: [{ type: 'payment.reference', conditional_transaction_id: 'abc' }],
        cnf: { jwk: agent.publicJwk },
        exp: Math.floor(Date.now() / 1000) + 60,
      },
      owner,
    )
    const payer = await mandatePayer({ mandate, agentKey: agent.privateJwk })
    const refused = preparePayment(offer('1000'), 'https://agent.example/a2a', {
      schemes: [exactEvmClient({ signer: privateKeyToAccount(generatePrivateKey()) })],
      ...payer,
    })
    expect(await refusalOf(refused)).toBe(reasonOf('MANDATE_CONSTRAINT_UNKNOWN'))
  })
})

/** Chains shaped like real ones: JWT-like parts, disclosures, `~` and `~~`, some taken from `real`. */
function shapedChain(real: string) {
  const piece = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/),
    fc.constantFrom(...real.split(/[~.]/).filter(Boolean)),
  )
  const jwt = fc.tuple(piece, piece, piece).map((parts) => parts.join('.'))
  const hop = fc
    .tuple(jwt, fc.array(piece, { maxLength: 3 }))
    .map(([head, rest]) => [head, ...rest].join('~'))
  return fc.array(hop, { minLength: 1, maxLength: 3 }).map((hops) => `${hops.join('~~')}~`)
}

describe("the merchant's mandate check", () => {
  async function boundPayment() {
    const { pay } = await setUp()
    return pay(offer('10000'))
  }
  const withChain = (payment: PaymentPayload, chain: string): PaymentPayload => ({
    ...payment,
    extensions: { ...payment.extensions, 'ap2-mandate': { payment_mandate_chain: chain } },
  })

  it('refuses a payment without a mandate, with a tampered chain, or not bound to it', async () => {
    const payment = await boundPayment()
    const chain = chainOf(payment)!
    const check = mandateCheck()
    expect((await check({ ...payment, extensions: {} }))?.reason).toBe(reasonOf('MANDATE_REQUIRED'))
    // Another closed mandate (a larger amount) put in place of the signed one.
    const [open, closed] = chain.split('~~') as [string, string]
    const [kb, disclosure] = closed.split('~') as [string, string]
    const forged = Buffer.from(
      JSON.stringify([
        'salt',
        {
          ...JSON.parse(Buffer.from(disclosure, 'base64url').toString())[1],
          payment_amount: { amount: 1, currency: 'USDC' },
        },
      ]),
    ).toString('base64url')
    expect((await check(withChain(payment, `${open}~~${kb}~${forged}~`)))?.reason).toBe(
      reasonOf('MANDATE_MALFORMED'),
    )
    // A flipped signature byte.
    const flipped = `${kb.slice(0, -2)}${kb.at(-2) === 'A' ? 'B' : 'A'}${kb.slice(-1)}`
    expect((await check(withChain(payment, `${open}~~${flipped}~${disclosure}~`)))?.reason).toBe(
      reasonOf('MANDATE_SIGNATURE_INVALID'),
    )
    // A valid chain from another payment: the nonce does not match it.
    const other = chainOf(await boundPayment())!
    expect((await check(withChain(payment, other)))?.reason).toBe(
      reasonOf('MANDATE_BINDING_MISMATCH'),
    )
  })

  it('answers any chain string with a reason, never a crash', async () => {
    const payment = await boundPayment()
    const check = mandateCheck()
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string(), shapedChain(chainOf(payment)!)), async (chain) => {
        const refusal = await check(withChain(payment, chain))
        expect(refusal?.reason).toMatch(/^ap2_mandate_/)
      }),
      { numRuns: 200 },
    )
  })
})

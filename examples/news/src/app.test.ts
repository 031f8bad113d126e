/**
 * The news site in process, against a scripted facilitator: what is free, what asks for payment,
 * what the 402 offers, and when a purchase is recorded (only once the payment settled) and
 * honoured (only for a valid sign-in by the address that paid).
 */
import { readReceipt, wrapFetch } from '@tollgate/client'
import {
  decodePaymentRequiredHeader,
  type FacilitatorClient,
  paymentHeaders,
  reasonOf,
} from '@tollgate/core'
import { exactEvmClient, exactEvmServer } from '@tollgate/evm'
import { MemoryResponseStore } from '@tollgate/server'
import { encodeSiwxHeader, SIGN_IN_WITH_X, signSiwxChallenge } from '@tollgate/trust'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { beforeEach, describe, expect, it } from 'vitest'
import { createNewsApp, MemoryPurchases, signInChallengeOf, signInFirst } from './app.ts'

const network = 'eip155:84532'
const merchant = '0x209693Bc6afc0C5328bA36FaF03C514EF312287C'
const reader = privateKeyToAccount(generatePrivateKey())
const base = 'http://news.test'

interface Script {
  settles: boolean
  verified: number
  settled: number
}

function facilitator(script: Script): FacilitatorClient {
  return {
    url: 'http://facilitator.test',
    supported: async () => ({
      kinds: [{ x402Version: 2, scheme: 'exact', network }],
      extensions: [],
      signers: {},
    }),
    verify: async () => {
      script.verified++
      return { isValid: true, payer: reader.address }
    },
    settle: async (_payload, requirements) => {
      script.settled++
      return script.settles
        ? {
            success: true,
            transaction: `0x${'ab'.repeat(32)}`,
            network,
            payer: reader.address,
            amount: requirements.amount,
          }
        : {
            success: false,
            errorReason: reasonOf('FUNDS_INSUFFICIENT'),
            transaction: '',
            network,
            payer: reader.address,
          }
    },
  }
}

let script: Script
let purchases: MemoryPurchases
let now: number
let site: typeof fetch

beforeEach(() => {
  script = { settles: true, verified: 0, settled: 0 }
  purchases = new MemoryPurchases()
  now = Date.now()
  const app = createNewsApp({
    network,
    payTo: merchant,
    facilitator: facilitator(script),
    schemes: [exactEvmServer()],
    purchases,
    store: new MemoryResponseStore(),
    signIn: { now: () => now },
  })
  site = async (input, init) => app.fetch(new Request(input, init))
})

const asJson = { accept: 'application/json' }
const payingReader = () =>
  wrapFetch(signInFirst(site, reader), { schemes: [exactEvmClient({ signer: reader })] })

/** Asks for the article unpaid and answers its sign-in challenge with `signer`. */
async function signedIn(path: string, signer = reader, change: Record<string, string> = {}) {
  const unpaid = await site(`${base}${path}`, { headers: asJson })
  const challenge = signInChallengeOf(unpaid, `${base}${path}`)
  if (!challenge) throw new Error('the 402 offers no sign-in')
  return encodeSiwxHeader(await signSiwxChallenge({ ...challenge, ...change }, signer))
}

describe('the news site', () => {
  it('lists the articles for free, as JSON for programs and HTML for people', async () => {
    const json = await site(`${base}/`, { headers: asJson })
    expect(json.status).toBe(200)
    const { articles } = (await json.json()) as { articles: { slug: string; url: string }[] }
    expect(articles).toHaveLength(4)
    expect(articles[1]).toMatchObject({
      slug: 'tide-tables',
      price: '$0.01',
      url: `${base}/articles/tide-tables`,
    })
    const html = await (await site(`${base}/`)).text()
    expect(html).toContain('<a href="http://news.test/articles/a-penny-an-article">')
    expect(script.verified).toBe(0)
  })

  it('answers an unknown slug 404 with no 402, however the path is spelled', async () => {
    for (const path of [
      '/articles/no-such-story',
      '/ARTICLES/No-Such-Story/',
      '/articles/%6eope',
    ]) {
      const response = await site(`${base}${path}`, { headers: asJson })
      expect(response.status).toBe(404)
      expect(response.headers.get(paymentHeaders.required)).toBeNull()
    }
    // A spelling of a real article is the article: priced, not a free way around the gate.
    expect((await site(`${base}/Articles/Tide%2DTables/`)).status).toBe(402)
  })

  it('asks each article its own price and offers sign-in-with-x for that read', async () => {
    const response = await site(`${base}/articles/a-penny-an-article`, { headers: asJson })
    expect(response.status).toBe(402)
    const required = decodePaymentRequiredHeader(response.headers.get(paymentHeaders.required)!)
    expect(required.accepts[0]).toMatchObject({ scheme: 'exact', network, amount: '20000' })
    expect(required.extensions?.[SIGN_IN_WITH_X]).toMatchObject({
      info: {
        domain: 'news.test',
        uri: `${base}/articles/a-penny-an-article`,
        statement: 'Sign in to GET /articles/a-penny-an-article at $0.02',
      },
      supportedChains: [{ chainId: network, type: 'eip191' }],
    })
    const body = (await response.json()) as { paymentRequired: { extensions: object } }
    expect(Object.keys(body.paymentRequired.extensions)).toContain(SIGN_IN_WITH_X)
  })

  it('gives a browser the paywall page, with the same offer in its header', async () => {
    const response = await site(`${base}/articles/night-ferry`, {
      headers: { accept: 'text/html', 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64)' },
    })
    expect(response.status).toBe(402)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await response.text()).toContain('Notes from the night ferry')
    const required = decodePaymentRequiredHeader(response.headers.get(paymentHeaders.required)!)
    expect(required.accepts[0]?.amount).toBe('5000')
    expect(required.extensions?.[SIGN_IN_WITH_X]).toBeDefined()
  })

  it('records a purchase once it settled, then lets the payer read again for nothing', async () => {
    const read = payingReader()
    const paid = await read(`${base}/articles/tide-tables`, { headers: asJson })
    expect(paid.status).toBe(200)
    expect(readReceipt(paid)?.success).toBe(true)
    expect(await paid.json()).toMatchObject({ readBy: { via: 'payment' } })
    expect(script.settled).toBe(1)
    expect(await purchases.has(reader.address, 'tide-tables')).toBe(true)
    expect(await purchases.has(reader.address, 'night-ferry')).toBe(false)

    const again = await read(`${base}/articles/tide-tables`, { headers: asJson })
    expect(again.status).toBe(200)
    expect(again.headers.get(paymentHeaders.response)).toBeNull()
    expect(await again.json()).toMatchObject({
      title: 'Why the tide is late every day',
      readBy: { address: reader.address, via: 'sign-in' },
    })
    expect(script.settled).toBe(1)
    expect(script.verified).toBe(1)
  })

  it('records nothing when the settlement fails, and the article is not released', async () => {
    script.settles = false
    const response = await payingReader()(`${base}/articles/tide-tables`, { headers: asJson })
    expect(response.status).toBe(402)
    expect(await response.text()).not.toContain('fifty minutes')
    expect(await purchases.has(reader.address, 'tide-tables')).toBe(false)
  })

  it('asks a signed-in reader who did not buy the article to pay, and says why', async () => {
    await purchases.record({
      address: reader.address,
      slug: 'night-ferry',
      transaction: '0x01',
      network,
      amount: '5000',
      at: new Date(now).toISOString(),
    })
    const header = await signedIn('/articles/tide-tables')
    const response = await site(`${base}/articles/tide-tables`, {
      headers: { ...asJson, [SIGN_IN_WITH_X]: header },
    })
    expect(response.status).toBe(402)
    expect(await response.json()).toMatchObject({
      signIn: { address: reader.address, purchased: false },
    })
  })

  it('refuses a replayed, expired, forged or foreign sign-in with the 402 and its reason', async () => {
    await purchases.record({
      address: reader.address,
      slug: 'tide-tables',
      transaction: '0x01',
      network,
      amount: '10000',
      at: new Date(now).toISOString(),
    })
    const path = '/articles/tide-tables'
    const attempt = async (header: string) => {
      const response = await site(`${base}${path}`, {
        headers: { ...asJson, [SIGN_IN_WITH_X]: header },
      })
      const body = (await response.json()) as { signIn?: { refused?: string }; body?: unknown }
      return { status: response.status, refused: body.signIn?.refused, served: 'body' in body }
    }
    const honest = await signedIn(path)
    expect(await attempt(honest)).toMatchObject({ status: 200, served: true })
    expect(await attempt(honest)).toEqual({
      status: 402,
      refused: reasonOf('SIWX_NONCE_INVALID'),
      served: false,
    })
    const late = await signedIn(path)
    now += 301_000
    expect(await attempt(late)).toMatchObject({
      status: 402,
      refused: reasonOf('SIWX_ISSUED_AT_TOO_OLD'),
    })
    const elsewhere = await signedIn(path, reader, { domain: 'news.example' })
    expect(await attempt(elsewhere)).toMatchObject({
      status: 402,
      refused: reasonOf('SIWX_DOMAIN_MISMATCH'),
    })
    const impostor = privateKeyToAccount(generatePrivateKey())
    const signed = await signSiwxChallenge(
      signInChallengeOf(await site(`${base}${path}`, { headers: asJson }), `${base}${path}`)!,
      impostor,
    )
    const forged = encodeSiwxHeader({ ...signed, address: reader.address })
    expect(await attempt(forged)).toMatchObject({
      status: 402,
      refused: reasonOf('SIWX_SIGNATURE_INVALID'),
    })
    // A sign-in for one article does not open another.
    const other = await signedIn('/articles/night-ferry')
    expect(await attempt(other)).toMatchObject({
      status: 402,
      refused: reasonOf('SIWX_OPERATION_MISMATCH'),
    })
  })
})

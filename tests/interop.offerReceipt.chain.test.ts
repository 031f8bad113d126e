/**
 * Goal: the `offer-receipt` extension works as the official @x402/extensions 2.27 reads it. A
 * Tollgate server with `offerReceipt` signs each 402's offers and each settled payment's receipt
 * in EIP-712: the official verifiers recover our key from both, match the offer to its accept and
 * the receipt to the offer and payer; the transaction stays out unless the server shares it; an
 * `upto` answer carries what was charged in `extra` beside the signed receipt. Offers are signed
 * once and reused while fresh. A signer that fails leaves the extension out and the payment whole.
 * The other way round, `offerReceiptSignerOf` recovers the key of an official server's offers and
 * receipts. The official client pays our server and gets its signed receipt.
 * Method: the dev stack; Express with Tollgate's gate and with the official middleware; our
 * client, the official fetch client and the official offer-receipt helpers.
 */
import { readReceipt, wrapFetch } from '@tollgate/client'
import type { OfferReceiptSigner } from '@tollgate/core'
import {
  eip712OfferReceiptSigner,
  exactEvmClient,
  exactEvmServer,
  offerReceiptSignerOf,
  uptoEvmClient,
  uptoEvmServer,
} from '@tollgate/evm'
import type { OfferReceiptOptions } from '@tollgate/server'
import { paymentMiddleware as tollgateExpress } from '@tollgate/server/express'
import { decodePaymentRequiredHeader } from '@x402/core/http'
import { HTTPFacilitatorClient } from '@x402/core/server'
import type { PaymentRequired } from '@x402/core/types'
import { ExactEvmScheme as OfficialEvmClient } from '@x402/evm/exact/client'
import { ExactEvmScheme as OfficialEvmServer } from '@x402/evm/exact/server'
import { paymentMiddleware as officialExpress, x402ResourceServer } from '@x402/express'
import {
  createEIP712OfferReceiptIssuer,
  createOfferReceiptExtension,
  declareOfferReceiptExtension,
  decodeSignedOffers,
  type EIP712SignedOffer,
  type EIP712SignedReceipt,
  extractOffersFromPaymentRequired,
  extractReceiptFromResponse,
  findAcceptsObjectFromSignedOffer,
  verifyOfferSignatureEIP712,
  verifyReceiptMatchesOffer,
  verifyReceiptSignatureEIP712,
} from '@x402/extensions/offer-receipt'
import { wrapFetchWithPayment, x402Client } from '@x402/fetch'
import express from 'express'
import type { Address } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { describe, expect, it } from 'vitest'
import { devStackForFile } from './support/batchSeller.ts'
import { startExpress } from './support/officialParts.ts'
import { payerAccount } from './support/stack.ts'

const { stack, closers } = devStackForFile()
const serverKey = privateKeyToAccount(generatePrivateKey())

const asset = () => ({
  ...stack().manifest.asset,
  address: stack().manifest.asset.address as Address,
})

/** Our gate selling `/weather` (exact, one price) and `/use/:amount` (upto, up to $0.01). */
async function tollgateServer(offerReceipt: OfferReceiptOptions): Promise<string> {
  const { manifest } = stack()
  const app = express()
  const assets = { [manifest.network]: asset() }
  app.use(
    tollgateExpress({
      routes: {
        'GET /weather': {
          price: '$0.001',
          network: manifest.network,
          payTo: manifest.accounts.merchant.address,
        },
        'GET /use/*': {
          scheme: 'upto',
          price: '$0.01',
          network: manifest.network,
          payTo: manifest.accounts.merchant.address,
        },
      },
      facilitator: { url: manifest.facilitatorUrl },
      schemes: [exactEvmServer({ assets }), uptoEvmServer({ assets })],
      offerReceipt,
    }),
  )
  app.get('/weather', (_req, res) => {
    res.json({ weather: 'sunny' })
  })
  app.get('/use/:amount', (req, res) => {
    res.setHeader('Settlement-Overrides', JSON.stringify({ amount: req.params.amount }))
    res.json({ used: req.params.amount })
  })
  return startExpress(app, closers)
}

const ourFetch = () => {
  const signer = payerAccount(stack().manifest)
  const assets = { [stack().manifest.network]: asset() }
  return wrapFetch(fetch, {
    schemes: [exactEvmClient({ signer, assets }), uptoEvmClient({ signer, assets })],
  })
}

async function required(url: string): Promise<PaymentRequired> {
  const response = await fetch(url)
  expect(response.status).toBe(402)
  return decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')!)
}

describe('offer-receipt: signed offers and receipts', () => {
  it('signs offers the official verifier recovers, reuses them, and signs a receipt per payment', async () => {
    const url = await tollgateServer({ signer: eip712OfferReceiptSigner(serverKey) })
    const first = await required(`${url}/weather`)
    const offers = extractOffersFromPaymentRequired(first)
    expect(offers).toHaveLength(1)
    const verified = await verifyOfferSignatureEIP712(offers[0] as EIP712SignedOffer)
    expect(verified.signer).toBe(serverKey.address)
    expect(verified.payload).toMatchObject({
      version: 1,
      resourceUrl: `${url}/weather`,
      scheme: 'exact',
      network: stack().manifest.network,
      amount: '1000',
    })
    expect(verified.payload.validUntil).toBeGreaterThan(Math.floor(Date.now() / 1000) + 200)
    const [decoded] = decodeSignedOffers(offers)
    expect(findAcceptsObjectFromSignedOffer(decoded!, first.accepts)).toEqual(first.accepts[0])
    // A second 402 for the same URL carries the same signed offer (signed once, while fresh).
    const again = await required(`${url}/weather`)
    expect(extractOffersFromPaymentRequired(again)).toEqual(offers)

    const paid = await ourFetch()(`${url}/weather`)
    expect(paid.status).toBe(200)
    const receipt = extractReceiptFromResponse(paid) as EIP712SignedReceipt
    expect(receipt.format).toBe('eip712')
    const signedReceipt = await verifyReceiptSignatureEIP712(receipt)
    expect(signedReceipt.signer).toBe(serverKey.address)
    const payer = stack().manifest.accounts.payer.address
    expect(signedReceipt.payload).toMatchObject({
      resourceUrl: `${url}/weather`,
      network: stack().manifest.network,
      payer,
      transaction: '',
    })
    expect(verifyReceiptMatchesOffer(receipt, decoded!, [payer])).toBe(true)
    expect(await offerReceiptSignerOf(receipt)).toBe(serverKey.address)
  })

  it('names the transaction when told to, and an upto answer says what it charged', async () => {
    const url = await tollgateServer({
      signer: eip712OfferReceiptSigner(serverKey),
      includeTransaction: true,
    })
    const paid = await ourFetch()(`${url}/use/2500`)
    expect(paid.status).toBe(200)
    const settled = readReceipt(paid)
    expect(settled).toMatchObject({
      success: true,
      extra: { charged: '2500', authorized: '10000' },
    })
    const receipt = extractReceiptFromResponse(paid) as EIP712SignedReceipt
    const verified = await verifyReceiptSignatureEIP712(receipt)
    expect(verified.signer).toBe(serverKey.address)
    expect(verified.payload.transaction).toBe(settled?.transaction)
    expect(verified.payload.transaction).toMatch(/^0x[0-9a-f]{64}$/)
  })

  it('serves and settles without the extension when its signer fails', async () => {
    const broken: OfferReceiptSigner = {
      format: 'eip712',
      signer: serverKey.address,
      signOffer: () => Promise.reject(new Error('the key store is down')),
      signReceipt: () => Promise.reject(new Error('the key store is down')),
    }
    const url = await tollgateServer({ signer: broken })
    const offered = await required(`${url}/weather`)
    expect(offered.extensions?.['offer-receipt']).toBeUndefined()
    const paid = await ourFetch()(`${url}/weather`)
    expect(paid.status).toBe(200)
    expect(readReceipt(paid)).toMatchObject({ success: true })
    expect(extractReceiptFromResponse(paid)).toBeUndefined()
  })

  it('the official client pays a server that signs its offers, and gets the signed receipt', async () => {
    const url = await tollgateServer({ signer: eip712OfferReceiptSigner(serverKey) })
    const pay = wrapFetchWithPayment(
      fetch,
      new x402Client()
        .register('eip155:*', new OfficialEvmClient(payerAccount(stack().manifest)))
        .setSpendControls(false),
    )
    const paid = await pay(`${url}/weather`)
    expect(paid.status).toBe(200)
    const receipt = extractReceiptFromResponse(paid) as EIP712SignedReceipt
    expect((await verifyReceiptSignatureEIP712(receipt)).signer).toBe(serverKey.address)
  })

  it("recovers the key of an official server's offers and receipts", async () => {
    const { manifest } = stack()
    const officialKey = privateKeyToAccount(generatePrivateKey())
    const resourceServer = new x402ResourceServer(
      new HTTPFacilitatorClient({ url: manifest.facilitatorUrl }),
    )
      .register(manifest.network as `${string}:${string}`, new OfficialEvmServer())
      .registerExtension(
        createOfferReceiptExtension(
          createEIP712OfferReceiptIssuer(`did:pkh:eip155:1:${officialKey.address}`, (typed) =>
            officialKey.signTypedData(typed as Parameters<typeof officialKey.signTypedData>[0]),
          ),
        ),
      )
    const app = express()
    app.use(
      officialExpress(
        {
          'GET /weather': {
            accepts: {
              scheme: 'exact',
              network: manifest.network as `${string}:${string}`,
              payTo: manifest.accounts.merchant.address,
              price: {
                amount: '1000',
                asset: manifest.asset.address,
                extra: { name: manifest.asset.name, version: manifest.asset.version },
              },
            },
            extensions: declareOfferReceiptExtension({ includeTxHash: true }),
          },
        },
        resourceServer,
      ),
    )
    app.get('/weather', (_req, res) => {
      res.json({ weather: 'sunny' })
    })
    const url = await startExpress(app, closers)
    const offered = await required(`${url}/weather`)
    const offers = extractOffersFromPaymentRequired(offered)
    expect(offers).toHaveLength(1)
    expect(await offerReceiptSignerOf(offers[0]!)).toBe(officialKey.address)
    const paid = await ourFetch()(`${url}/weather`)
    expect(paid.status).toBe(200)
    const receipt = extractReceiptFromResponse(paid)
    expect(receipt).toBeDefined()
    expect(await offerReceiptSignerOf(receipt!)).toBe(officialKey.address)
  })
})

import {
  type OfferReceiptSigner,
  offerReceiptKey,
  offerReceiptVersion,
  type PaymentRequired,
  type SettleResponse,
  type SignedOffer,
} from '@tollgate/core'

/** The gate's `offerReceipt` option: sign each 402's offers and each settled payment's receipt. */
export interface OfferReceiptOptions {
  /** The server's key, e.g. `eip712OfferReceiptSigner(account)` from `@tollgate/evm`. */
  signer: OfferReceiptSigner
  /**
   * Put the settlement's transaction in receipts (verifiable on chain, but it links the receipt
   * to the payer's on-chain history). @default false
   */
  includeTransaction?: boolean | undefined
  /** How long an offer holds. @default each offer's `maxTimeoutSeconds` */
  offerValiditySeconds?: number | undefined
}

/** Signed offer sets kept; an unpaid request to a new URL signs a new set. */
const cachedSetsMax = 1_000

/**
 * Offers are signed once per resource URL and requirements and reused until less than half of
 * their validity is left, so unpaid requests cost a map lookup rather than a signature each.
 * A signature that fails leaves the 402 or the receipt without the extension: the payment
 * itself never depends on it.
 */
export class OfferReceipts {
  readonly #options: OfferReceiptOptions
  readonly #offers = new Map<string, { offers: SignedOffer[]; refreshAt: number }>()
  readonly #nowSeconds: () => number

  constructor(options: OfferReceiptOptions, nowSeconds = () => Math.floor(Date.now() / 1000)) {
    this.#options = options
    this.#nowSeconds = nowSeconds
  }

  async withOffers(required: PaymentRequired): Promise<PaymentRequired> {
    const resourceUrl = required.resource?.url
    if (!resourceUrl || required.accepts.length === 0) return required
    const offers = await this.#offersFor(resourceUrl, required).catch(() => undefined)
    if (!offers) return required
    return {
      ...required,
      extensions: { ...required.extensions, [offerReceiptKey]: { info: { offers } } },
    }
  }

  async #offersFor(resourceUrl: string, required: PaymentRequired): Promise<SignedOffer[]> {
    const now = this.#nowSeconds()
    const key = JSON.stringify([
      resourceUrl,
      required.accepts.map((offer) => [
        offer.scheme,
        offer.network,
        offer.asset,
        offer.payTo,
        offer.amount,
        offer.maxTimeoutSeconds,
      ]),
    ])
    const cached = this.#offers.get(key)
    if (cached && cached.refreshAt > now) return cached.offers
    let shortest = Number.POSITIVE_INFINITY
    const offers = await Promise.all(
      required.accepts.map(async (offer, acceptIndex) => {
        const validity = this.#options.offerValiditySeconds ?? offer.maxTimeoutSeconds
        shortest = Math.min(shortest, validity)
        const signed = await this.#options.signer.signOffer({
          version: offerReceiptVersion,
          resourceUrl,
          scheme: offer.scheme,
          network: offer.network,
          asset: offer.asset,
          payTo: offer.payTo,
          amount: offer.amount,
          validUntil: now + validity,
        })
        return { ...signed, acceptIndex }
      }),
    )
    if (this.#offers.size >= cachedSetsMax) this.#offers.clear()
    this.#offers.set(key, { offers, refreshAt: now + Math.floor(shortest / 2) })
    return offers
  }

  /** The successful settlement with the signed receipt added. */
  async withReceipt(receipt: SettleResponse, resourceUrl: string): Promise<SettleResponse> {
    if (!receipt.success || !receipt.payer) return receipt
    try {
      const signed = await this.#options.signer.signReceipt({
        version: offerReceiptVersion,
        network: receipt.network,
        resourceUrl,
        payer: receipt.payer,
        issuedAt: this.#nowSeconds(),
        transaction: this.#options.includeTransaction ? receipt.transaction : '',
      })
      return {
        ...receipt,
        extensions: {
          ...receipt.extensions,
          [offerReceiptKey]: { info: { receipt: { ...signed } } },
        },
      }
    } catch {
      return receipt
    }
  }
}

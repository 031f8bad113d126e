/**
 * @module
 * The `offer-receipt` extension (x402 §7.5): a server signs each offer of its 402 and a receipt
 * for each settled payment, so a buyer can later prove what it was offered and that it was
 * served (for disputes and for reputation). The signature formats are the chains' business: a
 * scheme package supplies an `OfferReceiptSigner` (EIP-712 in `@tollgate/evm`).
 */

export const offerReceiptKey = 'offer-receipt'

/** Version 1 of the extension's payloads. */
export const offerReceiptVersion = 1

/** What a signed offer commits to (§4.2); `validUntil` in seconds since the epoch. */
export interface OfferPayload {
  version: number
  resourceUrl: string
  scheme: string
  network: string
  asset: string
  payTo: string
  amount: string
  validUntil: number
}

/**
 * What a signed receipt commits to (§5.2): no amount, so a usage-based charge travels in the
 * settlement's `extra`. `transaction` is `""` unless the server shares it.
 */
export interface ReceiptPayload {
  version: number
  network: string
  resourceUrl: string
  payer: string
  issuedAt: number
  transaction: string
}

export type SignatureFormat = 'eip712' | 'jws'

/** An offer as it travels in `extensions["offer-receipt"].info.offers[]`. */
export interface SignedOffer {
  format: SignatureFormat
  /** Which of the 402's `accepts` it signs (an unsigned hint). */
  acceptIndex?: number
  /** Present for `eip712`; a JWS carries its payload inside the signature. */
  payload?: OfferPayload
  signature: string
}

/** A receipt as it travels in the settlement's `extensions["offer-receipt"].info.receipt`. */
export interface SignedReceipt {
  format: SignatureFormat
  payload?: ReceiptPayload
  signature: string
}

/** Signs offers and receipts with the server's key. */
export interface OfferReceiptSigner {
  readonly format: SignatureFormat
  /** Who signs, as a verifier recovers or resolves it (an address, a DID URL). */
  readonly signer: string
  signOffer(payload: OfferPayload): Promise<SignedOffer>
  signReceipt(payload: ReceiptPayload): Promise<SignedReceipt>
}

import type { PaymentRequired } from '@tollgate/core'

/**
 * What the server hands the page's script, as JSON in the page: the requirements to pay and
 * what the server already worked out about them, so the script needs no asset tables.
 */
export interface PageData {
  paymentRequired: PaymentRequired
  /** The offers a browser wallet can pay (EVM `exact`), in the order the route lists them. */
  payable: PayableOffer[]
  /** Header names of the transport, from `@tollgate/core`. */
  headers: { signature: string; response: string }
  /** Reasons the script acts on, from core's table (kept out of the bundle). */
  reasons: { pending: string }
}

export interface PayableOffer {
  /** Index into `paymentRequired.accepts`. */
  index: number
  chainId: number
  /** The network as people read it, e.g. `Base Sepolia (eip155:84532)`. */
  networkLabel: string
  /** The price as people read it, e.g. `$0.001`. */
  priceLabel: string
}

/** The id of the `<script type="application/json">` element that carries the page data. */
export const pageDataElementId = 'tollgate-paywall-data'

/** Ids of the elements the script finds in the server-rendered page. */
export const elementIds = {
  pay: 'tg-pay',
  status: 'tg-status',
  error: 'tg-error',
  errorText: 'tg-error-text',
  errorAction: 'tg-error-action',
  result: 'tg-result',
  receipt: 'tg-receipt',
  receiptTransaction: 'tg-receipt-transaction',
  content: 'tg-content',
} as const

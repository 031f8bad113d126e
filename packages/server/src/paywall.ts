import {
  encodePaymentRequiredHeader,
  type PaymentRequired,
  paymentHeaders,
  type SchemeServer,
} from '@tollgate/core'
import { type PaywallAsset, type PaywallOptions, paywallHtml } from '@tollgate/paywall'
import type { GateRequest } from './paymentGate.ts'
import { exposedHeaders, type GateResponse } from './responses.ts'
import type { PaymentOption } from './routes.ts'

/**
 * A person's browser navigating to the page, as the reference tells it: an HTML `Accept` from a
 * `Mozilla` user agent. Programs (fetch, curl, agents) send neither and keep getting the JSON
 * 402. Only GET: the page pays by repeating the request as a GET, which could not carry a body.
 */
export function isBrowserNavigation(request: GateRequest): boolean {
  const accept = request.header('accept') ?? ''
  const userAgent = request.header('user-agent') ?? ''
  return request.method === 'GET' && accept.includes('text/html') && userAgent.includes('Mozilla')
}

/**
 * What the page needs to show each offered price as money: the asset's decimals from the scheme
 * server, and whether the route priced it in dollars (`"$0.001"`) rather than as an asset amount.
 */
export function paywallAssets(
  options: readonly PaymentOption[],
  required: PaymentRequired,
  serverFor: (scheme: string, network: string) => SchemeServer | undefined,
): Array<PaywallAsset | undefined> {
  return required.accepts.map((requirements, index) => {
    const decimals = serverFor(requirements.scheme, requirements.network)?.assetDecimals(
      requirements.network,
      requirements.asset,
    )
    if (decimals === undefined) return undefined
    return { decimals, usd: typeof options[index]?.price !== 'object' }
  })
}

/** 402 with the paywall page; `PAYMENT-REQUIRED` is there as for every client. */
export function paywallResponse(
  required: PaymentRequired,
  assets: ReadonlyArray<PaywallAsset | undefined>,
  options: PaywallOptions,
): GateResponse {
  return {
    status: 402,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      [paymentHeaders.required]: encodePaymentRequiredHeader(required),
      'cache-control': 'no-store',
      'access-control-expose-headers': exposedHeaders,
    },
    body: paywallHtml(required, { ...options, assets }),
  }
}

import {
  evmChainId,
  formatAtomicUnits,
  type PaymentRequired,
  type PaymentRequirements,
  paymentHeaders,
  reasonOf,
} from '@tollgate/core'
import { paywallScript } from './generated.ts'
import { escapeHtml, jsonForScript, safeImageUrl } from './html.ts'
import { networkLabel } from './networks.ts'
import { elementIds, type PageData, type PayableOffer, pageDataElementId } from './pageData.ts'
import { paywallCss } from './styles.ts'

/** How the page presents the seller. */
export interface PaywallOptions {
  /** Shown at the top of the page, e.g. the shop's name. */
  appName?: string | undefined
  /** A logo beside the app name: an http(s) URL, a path, or a `data:image/…` URL. */
  appLogoUrl?: string | undefined
  /** Marks the page as a test one: a badge says no real money moves. @default false */
  testnet?: boolean | undefined
}

/** What the server knows of an offer's asset, so the price reads as money. */
export interface PaywallAsset {
  decimals: number
  /** The price was given in dollars (a dollar stablecoin): shown as `$0.001`. */
  usd: boolean
}

export interface PaywallHtmlOptions extends PaywallOptions {
  /** One entry per entry of `accepts`; without one, the amount shows in atomic units. */
  assets?: ReadonlyArray<PaywallAsset | undefined> | undefined
}

interface Offer {
  requirements: PaymentRequirements
  priceLabel: string
  networkLabel: string
  chainId: number | undefined
}

/**
 * The paywall page for a 402: what is sold, its price, network and payee, and a script that pays
 * with the browser's injected wallet (EVM `exact`) and shows the content and receipt. Everything
 * is inline (no CDN). Every value from the requirements is escaped, and a Content-Security-Policy
 * lets only the page's own script run.
 * @example
 * const html = paywallHtml(paymentRequired, { appName: 'Weather shop', testnet: true })
 */
export function paywallHtml(required: PaymentRequired, options: PaywallHtmlOptions = {}): string {
  const offers = required.accepts.map((requirements, index) =>
    describeOffer(requirements, options.assets?.[index]),
  )
  const payable: PayableOffer[] = []
  offers.forEach((offer, index) => {
    if (offer.chainId !== undefined && offer.requirements.scheme === 'exact') {
      const { chainId, networkLabel, priceLabel } = offer
      payable.push({ index, chainId, networkLabel, priceLabel })
    }
  })
  const primary = offers[payable[0]?.index ?? 0]
  const data: PageData = {
    paymentRequired: required,
    payable,
    headers: { signature: paymentHeaders.signature, response: paymentHeaders.response },
    reasons: { pending: reasonOf('SETTLEMENT_PENDING') },
  }
  const nonce = randomNonce()
  const title = required.resource.description || required.resource.url
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>Payment required: ${escapeHtml(title)}</title>
<style>${paywallCss}</style>
</head>
<body>
<main>
${brand(options)}
<p class="eyebrow">Payment required</p>
<h1>${escapeHtml(required.resource.description || 'Paid resource')}</h1>
<p class="url"><code>${escapeHtml(required.resource.url)}</code></p>
${primary ? offerDetails(primary) : '<p>This resource lists no way to pay.</p>'}
${payable.length > 0 ? payControls(offers[payable[0]!.index]!) : noBrowserPayment()}
<section id="${elementIds.result}" hidden>
<h2>Paid</h2>
<dl id="${elementIds.receipt}"></dl>
<h2>Content</h2>
<div id="${elementIds.content}"></div>
</section>
${otherOffers(offers, payable[0]?.index)}
<footer>HTTP 402 Payment Required, on the x402 protocol. Programs can pay too: the offer is in
the <code>PAYMENT-REQUIRED</code> header.</footer>
</main>
${script(data, nonce)}
</body>
</html>
`
}

/**
 * Only the page's own script runs (by nonce): an injected `<script>` or event handler does not,
 * whatever slipped into the page. Styles, images and fetches stay open, for wallets and logos.
 */
function contentSecurityPolicy(nonce: string): string {
  return [
    `script-src 'nonce-${nonce}'`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
}

function randomNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return btoa(String.fromCharCode(...bytes))
}

function describeOffer(requirements: PaymentRequirements, asset: PaywallAsset | undefined): Offer {
  return {
    requirements,
    priceLabel: priceLabel(requirements, asset),
    networkLabel: networkLabel(requirements.network),
    chainId: evmChainId(requirements.network),
  }
}

/** `$0.001` for dollar prices, `1.5 EURC` for other known assets, atomic units otherwise. */
function priceLabel(requirements: PaymentRequirements, asset: PaywallAsset | undefined): string {
  if (!asset || !/^[0-9]{1,78}$/.test(requirements.amount)) {
    return `${requirements.amount} atomic units`
  }
  const amount = formatAtomicUnits(BigInt(requirements.amount), asset.decimals)
  if (asset.usd) return `$${amount}`
  const name = requirements.extra?.name
  return `${amount} ${typeof name === 'string' ? name : 'tokens'}`
}

function brand(options: PaywallOptions): string {
  const logo = safeImageUrl(options.appLogoUrl)
  const parts = [
    logo ? `<img src="${escapeHtml(logo)}" alt="">` : '',
    options.appName ? `<span>${escapeHtml(options.appName)}</span>` : '',
    options.testnet ? '<span class="badge">Testnet: no real money</span>' : '',
  ].filter(Boolean)
  return parts.length > 0 ? `<header class="brand">${parts.join('')}</header>` : ''
}

function offerDetails(offer: Offer): string {
  const { requirements } = offer
  const token = requirements.extra?.name
  return `<div class="price">${escapeHtml(offer.priceLabel)}</div>
<dl>
<dt>Network</dt><dd>${escapeHtml(offer.networkLabel)}</dd>
<dt>Pay to</dt><dd><code>${escapeHtml(requirements.payTo)}</code></dd>
<dt>Token</dt><dd>${typeof token === 'string' ? `${escapeHtml(token)} ` : ''}<code>${escapeHtml(requirements.asset)}</code></dd>
<dt>Scheme</dt><dd>${escapeHtml(requirements.scheme)}</dd>
</dl>`
}

function payControls(offer: Offer): string {
  return `<button id="${elementIds.pay}" type="button">Connect wallet and pay ${escapeHtml(offer.priceLabel)}</button>
<p id="${elementIds.status}" role="status" aria-live="polite"></p>
<div id="${elementIds.error}" role="alert" hidden>
<p id="${elementIds.errorText}"></p>
<button id="${elementIds.errorAction}" type="button" hidden></button>
</div>
<noscript><p>Paying from this page needs JavaScript and a browser wallet.</p></noscript>`
}

function noBrowserPayment(): string {
  return '<p>This page cannot take these payments in the browser: pay with an x402 client.</p>'
}

/** The page's data and script; a page with nothing a browser wallet can pay needs neither. */
function script(data: PageData, nonce: string): string {
  if (data.payable.length === 0) return ''
  return `<script type="application/json" id="${pageDataElementId}">${jsonForScript(data)}</script>
<script nonce="${nonce}">${paywallScript}</script>`
}

/** The offers besides the one the pay button takes, each with how it can be paid. */
function otherOffers(offers: readonly Offer[], primaryIndex: number | undefined): string {
  const items = offers
    .filter((_, index) => index !== (primaryIndex ?? 0))
    .map((offer) => {
      const what = `${escapeHtml(offer.priceLabel)} on ${escapeHtml(offer.networkLabel)}`
      return `<li>${what}: ${howToPay(offer)}</li>`
    })
  if (items.length === 0) return ''
  return `<section class="others">
<h2>Other ways to pay</h2>
<ul>
${items.join('\n')}
</ul>
</section>`
}

function howToPay(offer: Offer): string {
  const { scheme, network } = offer.requirements
  if (offer.chainId !== undefined && scheme === 'exact') {
    return 'with the button above, once your wallet is on this network'
  }
  if (network.startsWith('solana:')) return 'pay with a Solana wallet via an x402 client'
  return `pay with an x402 client that supports ${escapeHtml(scheme)} on ${escapeHtml(network)}`
}

/**
 * The paywall page's script (bundled into `generated.ts` by `scripts/build.ts`): connect the
 * injected wallet, sign the EIP-3009 authorization for the offer on the wallet's chain, present
 * it in `PAYMENT-SIGNATURE` on the same request, then show the content and the receipt.
 */

import { elementIds, type PageData, type PayableOffer, pageDataElementId } from '../pageData.ts'
import {
  decodeReceipt,
  encodePaymentSignature,
  paymentPayload,
  randomNonce,
  transferTypedData,
} from './payment.ts'
import { createView } from './view.ts'
import {
  type Eip1193Provider,
  injectedProvider,
  requestAccount,
  signTypedData,
  switchChain,
  WalletError,
  walletChainId,
} from './wallet.ts'

/** How often a payment whose outcome is unknown (pending, 5xx) is presented again. */
const presentAttemptsMax = 4
/** The longest wait before presenting again, whatever `Retry-After` says. */
const retryDelayMsMax = 5_000

const data = readPageData()
const view = createView(document)
document.getElementById(elementIds.pay)?.addEventListener('click', () => void pay())

function readPageData(): PageData {
  const element = document.getElementById(pageDataElementId)
  return JSON.parse(element?.textContent ?? 'null')
}

async function pay(): Promise<void> {
  view.clearError()
  const provider = injectedProvider(window)
  if (!provider) {
    view.error(
      'No browser wallet found. Install a wallet extension and reload this page, ' +
        'or pay with an x402 client.',
    )
    return
  }
  try {
    view.busy('Connecting your wallet…')
    const account = await requestAccount(provider)
    const chainId = await walletChainId(provider)
    const offer = data.payable.find((candidate) => candidate.chainId === chainId)
    if (!offer) {
      offerSwitch(provider, chainId, data.payable[0]!)
      return
    }
    const requirements = data.paymentRequired.accepts[offer.index]!
    view.busy('Confirm the payment in your wallet…')
    const { authorization, typedData } = transferTypedData({
      requirements,
      chainId,
      from: account,
      nowSeconds: Math.floor(Date.now() / 1000),
      nonce: randomNonce(),
    })
    const signature = await signTypedData(provider, account, typedData)
    const payment = paymentPayload(data.paymentRequired, requirements, signature, authorization)
    view.busy(`Paying ${offer.priceLabel}…`)
    await present(encodePaymentSignature(payment))
  } catch (error) {
    view.error(explain(error))
  } finally {
    view.idle()
  }
}

function offerSwitch(provider: Eip1193Provider, chainId: number, wanted: PayableOffer): void {
  view.error(
    `Your wallet is on chain ${chainId}; this payment is on ${wanted.networkLabel}. ` +
      'Switch networks to pay.',
    {
      label: 'Switch network',
      run: () => {
        view.clearError()
        switchChain(provider, wanted.chainId).then(pay, (error: unknown) =>
          view.error(explain(error, wanted)),
        )
      },
    },
  )
}

/** Sends the paid request; an unknown outcome (pending, 5xx) presents the same payment again. */
async function present(header: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const last = attempt >= presentAttemptsMax
    let response: Response
    try {
      response = await fetch(window.location.href, {
        headers: { [data.headers.signature]: header },
        cache: 'no-store',
        credentials: 'same-origin',
      })
    } catch (error) {
      if (last) throw new Error(`The server could not be reached: ${explain(error)}`)
      await sleep(1_000 * attempt)
      continue
    }
    const receipt = decodeReceipt(response.headers.get(data.headers.response))
    if (response.ok && receipt?.success !== false) {
      await view.showPaid(receipt, response)
      return
    }
    const refusal = await readRefusal(response)
    const pending = (receipt?.errorReason ?? refusal.reason) === data.reasons.pending
    if ((pending || response.status >= 500) && !last) {
      view.busy('The payment is settling; asking again…')
      await sleep(retryDelayMs(response.headers.get('retry-after'), attempt))
      continue
    }
    const reason = receipt?.errorReason ?? refusal.reason ?? `HTTP ${response.status}`
    const message = (receipt?.errorMessage ?? refusal.message)?.replace(/\.$/, '')
    const detail = `${reason}${message ? ` (${message})` : ''}`
    view.error(
      response.status >= 500
        ? `The server could not complete the payment now: ${detail}. Try again shortly.`
        : `The server refused the payment: ${detail}.`,
    )
    return
  }
}

/** `error` and `message` from a JSON error body, when it has them. */
async function readRefusal(response: Response): Promise<{ reason?: string; message?: string }> {
  try {
    const body: unknown = JSON.parse(await response.text())
    if (typeof body !== 'object' || body === null) return {}
    const reason: unknown = Reflect.get(body, 'error')
    const message: unknown = Reflect.get(body, 'message')
    return {
      ...(typeof reason === 'string' ? { reason } : {}),
      ...(typeof message === 'string' ? { message } : {}),
    }
  } catch {
    return {}
  }
}

function explain(error: unknown, wanted?: PayableOffer): string {
  if (error instanceof WalletError) {
    if (error.kind === 'rejected')
      return 'You declined the request in your wallet; nothing was paid.'
    if (error.kind === 'unknown-chain') {
      const network = wanted ? wanted.networkLabel : 'this network'
      return `Your wallet does not know ${network}: add it to your wallet, then pay again.`
    }
    return `Your wallet failed: ${error.message}`
  }
  return error instanceof Error ? error.message : String(error)
}

function retryDelayMs(header: string | null, attempt: number): number {
  const seconds = Number(header)
  const delayMs = Number.isFinite(seconds) && seconds > 0 ? seconds * 1_000 : 1_000 * attempt
  return Math.min(delayMs, retryDelayMsMax)
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

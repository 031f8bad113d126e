import type { Message, Task } from '@a2a-js/sdk'
import { type PaymentPayload, type PaymentRequired, parsePaymentRequired } from '@tollgate/core'
import { dataOf, dataPart, type Metadata, message } from './messages.ts'
import { x402MetadataKeys as keys } from './x402Extension.ts'

/**
 * The a2a-x402 embedded flow: x402 as a form of payment inside an AP2 (v0.1) cart. The merchant
 * puts a `CartMandate` in the task's artifacts whose payment request lists the x402 method; the
 * buyer answers with a `PaymentMandate` whose payment response carries the x402 payment. The
 * field names drift between the AP2 types, its docs and the a2a-x402 examples, so the cart is
 * read leniently: `contents.payment_request` or `payment_request` at the top, `supported_methods`
 * as a string or a list.
 */
export const cartMandateKey = 'ap2.mandates.CartMandate'
export const paymentMandateKey = 'ap2.mandates.PaymentMandate'
export const x402PaymentMethod = 'https://www.x402.org/'

type Loose = Record<string, unknown>

function objectOf(value: unknown): Loose | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Loose)
    : undefined
}

function isX402Method(value: unknown): boolean {
  const methods = Array.isArray(value) ? value : [value]
  return methods.some(
    (item) =>
      typeof item === 'string' && item.replace(/\/+$/, '') === x402PaymentMethod.slice(0, -1),
  )
}

/** The cart's contents, wherever this producer put them. */
function cartContents(cart: Loose): Loose {
  return objectOf(cart.contents) ?? cart
}

/** The x402 payment request a cart offers, if it offers one. */
export function cartPaymentRequired(
  cart: unknown,
  resourceUrl: string,
): PaymentRequired | undefined {
  const root = objectOf(cart)
  if (!root) return undefined
  const contents = cartContents(root)
  const request = objectOf(contents.payment_request) ?? objectOf(root.payment_request)
  const methods = Array.isArray(request?.method_data) ? request.method_data : []
  for (const entry of methods) {
    const method = objectOf(entry)
    if (!method || !isX402Method(method.supported_methods)) continue
    const data = objectOf(method.data)
    if (!data) continue
    try {
      return parsePaymentRequired({
        resource: { url: resourceUrl, description: String(contents.merchant_name ?? '') },
        ...data,
      })
    } catch {
      // Not a valid x402 request: look at the next method.
    }
  }
  return undefined
}

/** The cart in a task's artifacts that offers x402, and what it asks for. */
export function embeddedPaymentRequest(
  task: Task,
): { required: PaymentRequired; cart: unknown } | undefined {
  for (const item of task.artifacts) {
    for (const data of dataOf(item)) {
      const cart = objectOf(data)?.[cartMandateKey]
      const required = cartPaymentRequired(cart, `a2a://task/${task.id}`)
      if (required) return { required, cart }
    }
  }
  return undefined
}

/** The buyer's answer to a cart: a `PaymentMandate` carrying the x402 payment. */
export function embeddedPaymentMessage(
  payment: PaymentPayload,
  cart: unknown,
  ids: { taskId: string; contextId: string },
  metadata: Metadata = {},
): Message {
  const contents = cartContents(objectOf(cart) ?? {})
  const request = objectOf(contents.payment_request) ?? {}
  const details = objectOf(request.details) ?? {}
  const mandate = {
    payment_mandate_contents: {
      payment_mandate_id: crypto.randomUUID(),
      payment_details_id: String(details.id ?? contents.id ?? ''),
      payment_details_total: details.total ?? null,
      payment_response: {
        request_id: String(details.id ?? contents.id ?? ''),
        method_name: x402PaymentMethod,
        details: payment,
      },
      merchant_agent: String(contents.merchant_name ?? ''),
      timestamp: new Date().toISOString(),
    },
  }
  return message('user', [dataPart({ [paymentMandateKey]: mandate })], ids, {
    [keys.status]: 'payment-submitted',
    ...metadata,
  })
}

/** The x402 payment in a message's `PaymentMandate`, if it carries one. */
export function embeddedPayment(said: Message): unknown {
  for (const data of dataOf(said)) {
    const mandate = objectOf(objectOf(data)?.[paymentMandateKey])
    const contents = objectOf(mandate?.payment_mandate_contents) ?? mandate
    const response = objectOf(contents?.payment_response)
    if (response && isX402Method(response.method_name) && response.details !== undefined)
      return response.details
  }
  return undefined
}

/** A cart offering x402 for `required`, as the merchant's artifact data. */
export function cartMandate(required: PaymentRequired, cart: { id: string; merchantName: string }) {
  const price = required.accepts[0]
  return {
    [cartMandateKey]: {
      contents: {
        id: cart.id,
        user_cart_confirmation_required: false,
        payment_request: {
          method_data: [
            {
              supported_methods: x402PaymentMethod,
              data: { x402Version: required.x402Version, accepts: required.accepts },
            },
          ],
          details: {
            id: cart.id,
            display_items: [],
            total: {
              label: 'Total',
              amount: { currency: price?.asset ?? '', value: Number(price?.amount ?? 0) },
            },
          },
        },
        cart_expiry: new Date(Date.now() + (price?.maxTimeoutSeconds ?? 300) * 1000).toISOString(),
        merchant_name: cart.merchantName,
      },
    },
  }
}

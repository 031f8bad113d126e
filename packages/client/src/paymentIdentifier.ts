/** The `payment-identifier` extension (x402 §7.2): one id for every presentation of a payment. */
export const paymentIdentifierKey = 'payment-identifier'

/** `pay_` and 32 hex digits, the form the reference client makes. */
export function newPaymentIdentifier(): string {
  return `pay_${crypto.randomUUID().replaceAll('-', '')}`
}

/**
 * The extensions to echo with a payment: as the server declared them, with an id added to a
 * declared `payment-identifier` (a client may add to an extension, never change it).
 */
export function echoExtensions(
  declared: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!declared) return undefined
  const extension = declared[paymentIdentifierKey]
  if (typeof extension !== 'object' || extension === null) return declared
  const info = (extension as { info?: unknown }).info
  const infoObject = typeof info === 'object' && info !== null ? info : {}
  if (typeof (infoObject as { id?: unknown }).id === 'string') return declared
  return {
    ...declared,
    [paymentIdentifierKey]: {
      ...extension,
      info: { ...infoObject, id: newPaymentIdentifier() },
    },
  }
}

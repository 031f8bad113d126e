/**
 * A key for "this payment", independent of JSON formatting: the scheme payload with keys sorted
 * and hex strings lower-cased. Two encodings of one authorization get one key.
 */
export function paymentKey(scheme: string, network: string, payload: unknown): string {
  return `${scheme}|${network}|${canonicalJson(payload)}`
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([left], [right]) =>
      left < right ? -1 : left > right ? 1 : 0,
    )
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`
  }
  if (typeof value === 'string' && /^0x[0-9a-fA-F]*$/.test(value))
    return JSON.stringify(value.toLowerCase())
  return JSON.stringify(value) ?? 'null'
}

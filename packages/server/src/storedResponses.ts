import type { StoredResponse } from '@tollgate/core'
import { withheldHeaders } from './responses.ts'

/** The handler's buffered response as an adapter hands it to the gate. */
export interface HandlerResponse {
  status: number
  /** As the framework holds them (Node's `getHeaders()`, a `Headers`, a plain record). */
  headers: HeaderSource
  body: Uint8Array
}

export type HeaderSource = Headers | Record<string, string | number | readonly string[] | undefined>

/** A failed handler's answer, for adapters that only know it failed. */
export function failedHandler(status = 500): HandlerResponse {
  return { status, headers: {}, body: new Uint8Array() }
}

/**
 * Headers the framework sets per connection or recomputes from the body: a replay gets its own,
 * so they are not stored.
 */
const perConnection = new Set([
  'connection',
  'content-length',
  'date',
  'keep-alive',
  'transfer-encoding',
])

/** Lower-case names; a repeated header keeps its values joined, as HTTP allows. */
export function headerRecord(source: HeaderSource): Record<string, string> {
  const record: Record<string, string> = {}
  const entries: Iterable<[string, unknown]> =
    source instanceof Headers ? source.entries() : Object.entries(source)
  for (const [name, value] of entries) {
    if (value === undefined) continue
    const text = Array.isArray(value) ? value.join(', ') : String(value)
    const lower = name.toLowerCase()
    record[lower] = record[lower] === undefined ? text : `${record[lower]}, ${text}`
  }
  return record
}

/** The response as released: the handler's headers without the withheld ones, plus the receipt. */
export function releasedStored(
  handled: HandlerResponse,
  receiptHeaders: Record<string, string>,
): StoredResponse {
  const headers = headerRecord(handled.headers)
  for (const name of [...withheldHeaders, ...perConnection]) delete headers[name]
  for (const [name, value] of Object.entries(receiptHeaders)) headers[name.toLowerCase()] = value
  headers['cache-control'] ??= 'private'
  return { status: handled.status, headers, body: handled.body }
}

/** The handler's response as kept while its settlement is pending; none when it is too large. */
export function heldResponse(
  handled: HandlerResponse,
  bodyBytesMax: number,
): StoredResponse | undefined {
  if (handled.body.byteLength > bodyBytesMax) return undefined
  const held = releasedStored(handled, {})
  // Kept while held (never released): a pending `upto` payment settles for the same charge.
  const override = headerRecord(handled.headers)['settlement-overrides']
  if (override !== undefined) held.headers['settlement-overrides'] = override
  return held
}

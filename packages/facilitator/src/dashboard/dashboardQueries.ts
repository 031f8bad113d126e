/**
 * @module
 * The query strings of the dashboard API, parsed at the edge: unknown parameters, repeats and
 * values out of bounds are refused with a message rather than guessed at.
 */
import {
  isPaymentState,
  type PaymentSearch,
  paymentStates,
  type ReportRange,
  toCaip2,
} from '@tollgate/core'

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string }

/** The overview's windows and the width of their buckets (each about 30 to 60 points). */
export const overviewRanges = {
  '15m': { seconds: 15 * 60, bucketSeconds: 15 },
  '1h': { seconds: 3600, bucketSeconds: 60 },
  '24h': { seconds: 24 * 3600, bucketSeconds: 30 * 60 },
  '7d': { seconds: 7 * 24 * 3600, bucketSeconds: 6 * 3600 },
  '30d': { seconds: 30 * 24 * 3600, bucketSeconds: 24 * 3600 },
} as const

export type OverviewRangeName = keyof typeof overviewRanges

const isRangeName = (name: string): name is OverviewRangeName => Object.hasOwn(overviewRanges, name)

export const paymentsLimitDefault = 25
export const paymentsLimitMax = 100
const offsetMax = 1_000_000
const searchTextLengthMax = 128

const refuse = (message: string) => ({ ok: false as const, message })

/** Refuses parameters not in `allowed` and any given twice (`repeatable` excepted). */
function checkNames(
  params: URLSearchParams,
  allowed: readonly string[],
  repeatable: readonly string[] = [],
): string | undefined {
  for (const name of new Set(params.keys())) {
    if (!allowed.includes(name)) {
      return `unknown parameter ${JSON.stringify(name.slice(0, 40))}: use ${allowed.join(', ')}`
    }
    if (!repeatable.includes(name) && params.getAll(name).length > 1)
      return `${name} is given twice`
  }
  return undefined
}

/** `?range=15m|1h|24h|7d|30d` (default 1h): the window ends at the end of the current bucket. */
export function parseOverviewQuery(
  params: URLSearchParams,
  nowMs: number,
): Parsed<ReportRange & { name: OverviewRangeName }> {
  const problem = checkNames(params, ['range'])
  if (problem) return refuse(problem)
  const rangeName = params.get('range') ?? '1h'
  if (!isRangeName(rangeName)) {
    return refuse(`range must be one of ${Object.keys(overviewRanges).join(', ')}`)
  }
  const { seconds, bucketSeconds } = overviewRanges[rangeName]
  const untilSeconds = (Math.floor(nowMs / 1000 / bucketSeconds) + 1) * bucketSeconds
  return {
    ok: true,
    value: {
      name: rangeName,
      since: new Date((untilSeconds - seconds) * 1000),
      until: new Date(untilSeconds * 1000),
      bucketSeconds,
    },
  }
}

/**
 * `?q=&payer=&payTo=&transaction=&state=&network=&limit=&offset=`: `q` matches an id or the
 * start of a payer, payee or transaction hash; states as a comma list or repeated.
 */
export function parsePaymentsQuery(params: URLSearchParams): Parsed<PaymentSearch> {
  const names = ['q', 'payer', 'payTo', 'transaction', 'state', 'network', 'limit', 'offset']
  const problem = checkNames(params, names, ['state'])
  if (problem) return refuse(problem)
  const limit = wholeNumber(params.get('limit'), paymentsLimitDefault)
  if (limit === undefined || limit < 1 || limit > paymentsLimitMax) {
    return refuse(`limit must be a whole number from 1 to ${paymentsLimitMax}`)
  }
  const offset = wholeNumber(params.get('offset'), 0)
  if (offset === undefined || offset > offsetMax) {
    return refuse(`offset must be a whole number from 0 to ${offsetMax}`)
  }
  const search: PaymentSearch = { limit, offset }
  for (const key of ['payer', 'payTo', 'transaction'] as const) {
    const value = params.get(key)?.trim()
    if (value === undefined || value === '') continue
    if (!/^[0-9A-Za-z]{1,128}$/.test(value)) return refuse(`${key} must be an address or a hash`)
    search[key] = value
  }
  const text = params.get('q')?.trim()
  if (text) {
    if (text.length > searchTextLengthMax) {
      return refuse(`q must be at most ${searchTextLengthMax} characters`)
    }
    search.text = text
  }
  const states = params
    .getAll('state')
    .flatMap((value) => value.split(','))
    .filter(Boolean)
  if (states.length > 0) {
    if (!states.every(isPaymentState)) {
      return refuse(`state must be one or more of ${paymentStates.join(', ')}`)
    }
    search.states = [...new Set(states)]
  }
  const network = params.get('network')
  if (network) {
    const caip2 = toCaip2(network)
    if (!caip2) return refuse('network must be a CAIP-2 id such as eip155:8453, or a v1 name')
    search.network = caip2
  }
  return { ok: true, value: search }
}

/** A payment id from the path: a positive whole number. */
export function parsePaymentId(text: string): number | undefined {
  const id = wholeNumber(text, 0)
  return id !== undefined && id >= 1 && Number.isSafeInteger(id) ? id : undefined
}

function wholeNumber(text: string | null, fallback: number): number | undefined {
  if (text === null) return fallback
  return /^[0-9]{1,15}$/.test(text) ? Number(text) : undefined
}

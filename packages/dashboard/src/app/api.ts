/**
 * @module
 * The facilitator's dashboard API as the page sees it: the answers' shapes (written here, since
 * the page reaches the facilitator over HTTP only) and `getJson`, which adds the admin token.
 * Payments have the ledger's own shape, from `@tollgate/core` (types only: nothing of it is bundled).
 */
import type { PaymentState, PaymentSummary } from '@tollgate/core'

export type { PaymentState }

/** Symbol and decimals, when the facilitator knows the asset. */
export interface AssetLabel {
  symbol?: string
  decimals?: number
}

export interface Overview {
  range: { name: string; since: string; until: string; bucketSeconds: number }
  time: number[]
  payments: { confirmed: number[]; failed: number[]; open: number[] }
  totals: { payments: number; confirmed: number; failed: number; open: number }
  volume: Array<{ network: string; asset: string; total: string; values: number[] } & AssetLabel>
  outcomes: Array<{ state: PaymentState; reason?: string; payments: number }>
  verifications: Array<{ reason?: string; verifications: number }>
  latency: {
    count: number
    p50Ms: number
    p90Ms: number
    p99Ms: number
    series: {
      p50Ms: Array<number | null>
      p90Ms: Array<number | null>
      p99Ms: Array<number | null>
    }
  }
  gas: {
    used: string
    transactions: number
    payments: number
    perPayment: number | null
    series: { transactions: number[]; perPayment: Array<number | null> }
  }
  batchSizes: Array<{ size: number; transactions: number }>
  batchSizeMean: number | null
}

/** A payment as the ledger shows it outside the facilitator, with its asset's label. */
export type Payment = PaymentSummary & AssetLabel

export interface PaymentPage {
  payments: Payment[]
  total: number
  limit: number
  offset: number
}

export interface PaymentDetail {
  payment: Payment & { resource?: string; maxTimeoutSeconds: number }
  events: Array<{ state: PaymentState; reason?: string; transaction?: string; at: string }>
  transactions: Array<{
    hash: string
    network: string
    signer: string
    nonce: number
    kind: string
    state: string
    gasUsed?: string
    blockNumber?: string
    payments: number
    createdAt: string
  }>
}

export interface Signers {
  signers: Array<{
    network: string
    address: string
    balance?: string
    unit?: string
    nextNonce?: number
    pendingTransactions: number
    lastTransactionAt?: string
    low: boolean
  }>
  alerts: Array<{ network: string; message: string }>
  checkedAt: string
}

interface Revenue extends AssetLabel {
  network: string
  payTo: string
  asset?: string
  payments?: number
  amount?: string
  lastPaymentAt?: string
}

export interface Merchants {
  merchants: Array<Revenue & { services: string[] }>
}

export interface Resources {
  resources: Array<
    Revenue & {
      resource: string
      description?: string
      serviceName?: string
      cataloguedAt?: string
    }
  >
}

/** A refusal of the API: `status` 401 means the admin token is missing or wrong. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

const tokenKey = 'tollgate.dashboard.adminToken'

export function storedToken(): string | undefined {
  return localStorage.getItem(tokenKey) ?? undefined
}

export function storeToken(token: string | undefined): void {
  if (token) localStorage.setItem(tokenKey, token)
  else localStorage.removeItem(tokenKey)
}

/** `/api/<path>` next to the page (`/dashboard/` → `/api/`), so any prefix before it works. */
export function apiUrl(path: string): string {
  return new URL(`../api/${path}`, location.href.replace(/#.*$/, '')).href
}

export function authHeaders(): Record<string, string> {
  const token = storedToken()
  return token ? { authorization: `Bearer ${token}` } : {}
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(apiUrl(path), {
    headers: { accept: 'application/json', ...authHeaders() },
    ...(signal ? { signal } : {}),
  })
  if (!response.ok) {
    const body: unknown = await response.json().catch(() => undefined)
    const message =
      typeof body === 'object' && body !== null && 'message' in body
        ? String(body.message)
        : `${response.status} ${response.statusText}`
    throw new ApiError(response.status, message)
  }
  return (await response.json()) as T
}

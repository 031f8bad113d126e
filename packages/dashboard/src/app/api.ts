/**
 * @module
 * The facilitator's dashboard API as the page sees it: the answers' shapes (written here, since
 * the page reaches the facilitator over HTTP only) and `getJson`, which adds the admin token.
 * Payments and the overview have the shapes `@tollgate/core` defines for both sides (types only:
 * nothing of it is bundled).
 */
import type {
  AssetLabel,
  ChannelReport,
  DashboardOverview,
  PaymentState,
  PaymentSummary,
} from '@tollgate/core'

export type { AssetLabel, PaymentState }

/** `GET /api/overview`. */
export type Overview = DashboardOverview

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

/** One network of `GET /api/networks`: its name and explorer link, from its chain's package. */
export interface NetworkName {
  network: string
  label: string
  /** The chain family, as its package names it. */
  family?: string
  /** The explorer's page of a transaction, with `{transaction}` where its hash goes. */
  transactionUrl?: string
}

/**
 * `GET /api/channels`: the payment channels the facilitator sent transactions for, as the chain
 * reports them, with the seller's charge where the facilitator knows it (`outstanding`: charged,
 * not claimed yet).
 */
export interface Channels {
  channels: Array<ChannelReport & AssetLabel & { charged?: string; outstanding?: string }>
  /** Schemes whose channels could not be read this time. */
  failures: string[]
  checkedAt: string
}

/** `GET /api/credit`: what a seller of this operator extends to agents before settlement. */
export interface Credit {
  /** False when no seller with a credit line reports here. */
  enabled: boolean
  agents: Array<
    AssetLabel & {
      agent: string
      network: string
      asset: string
      outstanding: string
      settled: string
      defaulted: string
      creditedCount: number
      defaultedCount: number
      reputation?: { value: string; count: number }
    }
  >
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

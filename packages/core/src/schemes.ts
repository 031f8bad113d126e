import type { ErrorCode } from './errors/codes.ts'
import type { FacilitatorClient } from './http/facilitatorClient.ts'
import type {
  PaymentPayload,
  PaymentRequired,
  PaymentRequirements,
  ResourceInfo,
  SettleResponse,
  SupportedKind,
  VerifyResponse,
  X402Version,
} from './wire/types.ts'

/**
 * The three roles a payment scheme plays. A chain package implements them for its networks;
 * orchestrators (client, server middleware, facilitator) hold them in registries and never
 * know a chain.
 */

/** What a price may be: dollars (`"$0.001"`, `0.001`) or an explicit asset amount. */
export type Price =
  | string
  | number
  | { amount: string; asset: string; extra?: Record<string, unknown> | undefined }

export interface PaymentContext {
  x402Version: X402Version
  resource?: ResourceInfo | undefined
  /**
   * The nonce the authorization must carry (32 bytes, hex), when the payment is bound to
   * something signed elsewhere: an AP2 mandate chain binds itself as keccak256 of its text. A
   * scheme that cannot carry it must refuse rather than sign without it.
   */
  nonce?: string | undefined
}

/** Signs payments on the buyer's side. */
export interface SchemeClient {
  readonly scheme: string
  /** CAIP-2 ids or `namespace:*` patterns this client signs for. */
  readonly networks: readonly string[]
  /** The scheme-specific `payload` object for one requirement. */
  createPayload(
    requirements: PaymentRequirements,
    context: PaymentContext,
  ): Promise<Record<string, unknown>>
  /** What the client knows of an asset, so spending caps can be set in dollars. */
  describeAsset(network: string, asset: string): AssetDescription | undefined
  /**
   * How much of the requirement's asset the buyer holds on its network, in atomic units, read
   * from the chain; `undefined` when it cannot be known (no RPC, an error). When a route offers
   * several requirements, the client prefers one the buyer can afford. Without this hook the
   * balance counts as unknown.
   */
  balanceOf?(requirements: PaymentRequirements): Promise<bigint | undefined>
  /**
   * What signing for these requirements takes out of the wallet now, when that is not
   * `requirements.amount`: a channel's deposit, or `'0'` for a voucher drawn on one. Spending
   * limits are checked against it.
   */
  amountDue?(requirements: PaymentRequirements): Promise<string | undefined>
  /**
   * Told how each payment it signed ended, with the server's receipt: a scheme that keeps
   * state between payments (a channel's charged total) moves it on only from these.
   */
  paymentEnded?(outcome: SignedPaymentOutcome): Promise<void>
  /**
   * Given the 402 that refused one of its payments: adopts corrective state the server sent
   * (after checking it) and says whether a new payment may be signed for the same request.
   */
  recover?(required: PaymentRequired): Promise<boolean>
}

/** How a signed payment ended (see `SchemeClient.paymentEnded`). */
export interface SignedPaymentOutcome {
  state: 'settled' | 'failed' | 'pending'
  payment: PaymentPayload
  receipt?: SettleResponse | undefined
}

export interface AssetDescription {
  symbol: string
  decimals: number
  /** A stablecoin worth one US dollar, so `$` caps apply to it one to one. */
  usdPegged: boolean
}

/** Turns a seller's price into requirements. */
export interface SchemeServer {
  readonly scheme: string
  readonly networks: readonly string[]
  buildRequirements(input: {
    network: string
    price: Price
    payTo: string
    maxTimeoutSeconds: number
  }): PaymentRequirements
  /** Decimals of the asset a requirement names, when known (for display and caps). */
  assetDecimals(network: string, asset: string): number | undefined
  /**
   * Completes a requirement with what only the facilitator knows, from its `/supported` kind
   * for the same scheme and network (e.g. the Solana fee payer in `extra.feePayer`). Called
   * once the facilitator answered; without it, requirements are offered as built.
   */
  enhanceRequirements?(requirements: PaymentRequirements, kind: SupportedKind): PaymentRequirements
  /**
   * What identifies one payment whatever its encoding: the signed content the chain executes at
   * most once (EVM: asset, payer and EIP-3009 nonce; Solana: the transaction message). Copies
   * that differ only in fields nobody signed get the same key, so a server serves them once.
   * Undefined for a payload this scheme cannot read.
   */
  paymentKey?(payload: unknown, requirements: PaymentRequirements): string | undefined
  /**
   * Checks a payment without the chain: signature, payee, amount and time window. It cannot see
   * the payer's balance or whether the authorization was spent already, so only a credit line,
   * which takes that risk within its caps, may serve on it. Undefined for a payload this scheme
   * cannot judge alone (smart-wallet signatures, other transfer methods).
   */
  verifyLocally?(
    payload: unknown,
    requirements: PaymentRequirements,
    nowSeconds: number,
  ): Promise<LocalVerdict | undefined>
  /**
   * For a scheme that keeps payment state of its own (batch-settlement's channels, whose
   * vouchers need no chain round trip): the verify and settle the gate uses for its payments in
   * place of the facilitator's, given that facilitator for what the chain must do. Without it,
   * the gate asks the facilitator.
   */
  settlementFor?(facilitator: FacilitatorClient): SchemeSettlement
}

/** What a payment proves on its own (see `SchemeServer.verifyLocally`). */
export type LocalVerdict =
  | { ok: true; payer: string }
  | { ok: false; code: ErrorCode; message: string }

/** A scheme's own verify and settle (see `SchemeServer.settlementFor`). */
export interface SchemeSettlement {
  /**
   * A refusal may carry corrected requirements (the channel state a client must adopt), which
   * replace the matching offer in the 402 answer.
   */
  verify(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<VerifyResponse & { corrected?: PaymentRequirements | undefined }>
  settle(payload: PaymentPayload, requirements: PaymentRequirements): Promise<SettleResponse>
  /**
   * True for a payload that buys nothing but settles something (a channel's refund): the gate
   * settles it at once and answers with the receipt, without running the route's handler.
   */
  settlesAlone?(payload: unknown): boolean
  /**
   * What identifies one payment when that depends on the scheme's state, in place of the
   * server's `paymentKey` (a voucher's bytes repeat once a closed channel opens again).
   */
  paymentKey?(payload: unknown, requirements: PaymentRequirements): Promise<string | undefined>
}

/** Verifies and settles payments for a facilitator. */
export interface SchemeFacilitator {
  readonly scheme: string
  /** The CAIP-2 family this facilitator's signers belong to, e.g. `eip155:*`. */
  readonly caipFamily: string
  /** Concrete CAIP-2 networks it serves. */
  readonly networks: readonly string[]
  extra(network: string): Record<string, unknown> | undefined
  signers(network: string): string[]
  verify(payload: PaymentPayload, requirements: PaymentRequirements): Promise<VerifyResponse>
  settle(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
    context?: SettleContext,
  ): Promise<SettleResponse>
  /** Whether each network can settle now: RPC reachable, signers funded. */
  readiness?(): Promise<ReadinessCheck[]>
  /** Operating figures for metrics, read when they are scraped. */
  stats?(): Promise<SchemeStats>
  /**
   * The payment channels this facilitator sent transactions for (deposits, claims, refunds), the
   * most recently used first, at most `limit`, with their state as the chain reports it now.
   */
  channels?(limit: number): Promise<ChannelReport[]>
  /** What a stored payment's payload says beyond its requirements (an `upto` maximum). */
  describePayment?(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
  ): PaymentFacts | undefined
}

/** Who asks a facilitator to settle, as its HTTP layer authenticated the caller. */
export interface SettleContext {
  /**
   * The addresses the caller is paid at, from its API key's `payTo` allow-list; absent for a
   * caller without a key or whose key names none.
   */
  callerPayTo?: readonly string[] | undefined
}

/** Facts of a payment only its scheme can read from the signed payload. */
export interface PaymentFacts {
  /** The most the payer authorized, when the charge (`amount`) may be less: `upto`. */
  authorizedAmount?: string | undefined
}

/** A payment channel as an operator sees it. Amounts are atomic units as decimal strings. */
export interface ChannelReport {
  scheme: string
  network: string
  channelId: string
  payer: string
  payTo: string
  asset: string
  /** Deposited and not yet withdrawn, refunded or swept out, as the chain reports it now. */
  balance: string
  /** Claimed for the receiver so far. */
  totalClaimed: string
  /** When the payer asked to withdraw what is left (ISO 8601), if it did. */
  withdrawRequestedAt?: string | undefined
  /** Transactions this facilitator sent for the channel, and when it sent the last. */
  transactions: number
  lastTransactionAt: string
}

/** What a scheme facilitator reports for operators (Prometheus gauges). */
export interface SchemeStats {
  /** Payments accepted for settlement and not yet in a submitted transaction. */
  queueDepth: number
  /** Transactions broadcast and not yet confirmed. */
  pendingTransactions: number
  signers: Array<{
    network: string
    address: string
    /** In the atomic unit of the chain's fee coin (wei, lamports), as a decimal string. */
    balance: string
    nextNonce: number | undefined
  }>
  /** Payments per submitted transaction since the last read (a read takes them). */
  batchSizes: number[]
  /** Settlement transactions found reorganised away since the last read (a read takes them). */
  reorganisedTransactions?: number | undefined
}

export interface ReadinessCheck {
  network: string
  ok: boolean
  message?: string | undefined
  /**
   * Each signer's balance of the chain's fee coin in its atomic unit (wei, lamports), as a
   * decimal string; the chain's descriptor names the unit.
   */
  signerBalances?: Record<string, string> | undefined
  /** Facts an operator wants to see, e.g. signer balances in wei as strings. */
  details?: Record<string, unknown> | undefined
}

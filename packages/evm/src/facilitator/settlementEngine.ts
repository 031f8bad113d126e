import {
  type ErrorCode,
  type LedgerPayment,
  type LedgerTransaction,
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
  type SettlementLedger,
  type SettleResponse,
  settleFailure,
  settleFailureFromVerify,
  terminalPaymentStates,
} from '@tollgate/core'
import type { Hex, TransactionReceipt } from 'viem'
import type { Authorization } from '../payload.ts'
import { batchable, buildSettlementCall } from './batchCall.ts'
import { Batcher } from './batcher.ts'
import { ClaimBatcher } from './claimBatcher.ts'
import { type EvmFacilitatorLogger, logFailure } from './failureLog.ts'
import type { SettlementStep } from './options.ts'
import { readPaymentIdentifier } from './paymentIdentifier.ts'
import { payloadHashOf, paymentKey, settledFor } from './paymentIdentity.ts'
import { outcomeOfRecord, type QueuedPayment, queuedFromLedger } from './queuedPayments.ts'
import { settledByReceipt } from './receiptOutcome.ts'
import type { RecentVerifications } from './recentVerifications.ts'
import { describeError } from './rpcErrors.ts'
import type { NetworkRuntime } from './runtime.ts'
import { type SettleTimings, waitForReceipt } from './settle.ts'
import type { SignerLanes } from './signerLanes.ts'
import { resolveUnsettled } from './unsettled.ts'
import { checkBinding, type VerifiedPayment, verifyExactEvm } from './verify.ts'

export interface EngineOptions {
  runtime: NetworkRuntime
  ledger: SettlementLedger
  lanes: SignerLanes
  recent: RecentVerifications
  timings: SettleTimings
  batch: { maxSize: number; maxWaitMs: number }
  owner: string
  leaseMs: number
  now: () => number
  onStep?: ((step: SettlementStep) => void) | undefined
  logger: EvmFacilitatorLogger
}

/**
 * Settles exact EIP-3009 payments on one network exactly once. The ledger decides who processes
 * an authorization (one row per authorization, across processes and restarts); verified
 * payments are batched into transactions that are stored signed before they are broadcast; each
 * payment's outcome is read from the receipt's logs.
 */
export class SettlementEngine {
  readonly #options: EngineOptions
  readonly #batcher: Batcher<QueuedPayment>
  readonly #claims: ClaimBatcher
  /** One settlement per authorization inside this process; the same payment again joins it. */
  readonly #inFlight = new Map<
    string,
    { payloadHash: string; settledFor: string; outcome: Promise<SettleResponse> }
  >()
  /** Transactions this process is waiting on, so the monitor leaves them alone. */
  readonly confirming = new Set<string>()
  readonly batchSizes: number[] = []

  constructor(options: EngineOptions) {
    this.#options = options
    // One submission per signer at a time: meanwhile payments gather into the next batch.
    this.#batcher = new Batcher({
      ...options.batch,
      maxConcurrent: options.lanes.addresses.length,
      flush: (items) => this.#submit(items),
    })
    this.#claims = new ClaimBatcher(options.ledger, options.owner, options.leaseMs)
  }

  get queueDepth(): number {
    return this.#batcher.depth
  }

  async settle(
    payload: PaymentPayload,
    requirements: PaymentRequirements,
  ): Promise<SettleResponse> {
    const { runtime } = this.#options
    // Before any recorded or running outcome is looked at: a request its authorization cannot
    // pay (another recipient, amount, network, asset or scheme) is refused for its own reason,
    // and never shares the outcome of the payment it copies.
    const bound = checkBinding(runtime, payload, requirements, this.#options.now())
    if ('refusal' in bound) return settleFailureFromVerify(bound.refusal, runtime.network)
    const { authorization, signature } = bound
    const identifier = readPaymentIdentifier(payload)
    if (identifier.problem)
      return this.#failure(identifier.problem.code, identifier.problem.message, authorization.from)
    const key = paymentKey(runtime.network, requirements.asset, authorization)
    const payloadHash = payloadHashOf(signature, authorization)
    if (identifier.id) {
      const previous = await this.#options.ledger.findByIdentifier(identifier.id)
      if (previous && previous.payloadHash !== payloadHash) {
        return this.#failure(
          'PAYMENT_IDENTIFIER_CONFLICT',
          `payment id ${identifier.id} was used for another payment`,
          authorization.from,
        )
      }
    }
    const paidFor = settledFor(requirements)
    const running = this.#inFlight.get(key)
    if (running) {
      return running.payloadHash === payloadHash && running.settledFor === paidFor
        ? running.outcome
        : this.#duplicate(authorization.from)
    }
    const outcome = this.#settleOnce({
      payload,
      requirements,
      key,
      payloadHash,
      identifier: identifier.id,
      authorization,
      signature,
    })
    this.#inFlight.set(key, { payloadHash, settledFor: paidFor, outcome })
    try {
      return await outcome
    } finally {
      this.#inFlight.delete(key)
    }
  }

  async #settleOnce(input: {
    payload: PaymentPayload
    requirements: PaymentRequirements
    key: string
    payloadHash: string
    identifier: string | undefined
    authorization: Authorization
    signature: string
  }): Promise<SettleResponse> {
    const { runtime, ledger } = this.#options
    const claim = await this.#claims.claim({
      key: input.key,
      payloadHash: input.payloadHash,
      network: runtime.network,
      scheme: 'exact',
      payer: input.authorization.from.toLowerCase(),
      payTo: input.requirements.payTo.toLowerCase(),
      asset: input.requirements.asset.toLowerCase(),
      amount: input.requirements.amount,
      paymentIdentifier: input.identifier,
      payment: { paymentPayload: input.payload, paymentRequirements: input.requirements },
    })
    if (claim.status === 'existing')
      return this.#awaitExisting(claim.payment, input.payloadHash, input.requirements)
    let verdict: Awaited<ReturnType<typeof verifyExactEvm>>
    try {
      verdict = await verifyExactEvm(runtime, input.payload, input.requirements, {
        nowSeconds: this.#options.now(),
        simulate: true,
        verifiedBefore: this.#options.recent.take(
          input.requirements,
          input.authorization,
          input.signature,
        ),
      })
    } catch (error) {
      // The RPC failed before anything was sent: the attempt ends, and the payment may be
      // settled again (a failed payment without a transaction can be claimed anew).
      await ledger
        .transition([claim.payment.id], 'failed', {
          reason: reasonOf('SETTLE_UNEXPECTED'),
          message: describeError(error),
        })
        .catch(logFailure(this.#options.logger, 'recording a failed attempt'))
      throw error
    }
    if (!verdict.verified) {
      await ledger.transition([claim.payment.id], 'failed', {
        reason: verdict.response.invalidReason,
        message: verdict.response.invalidMessage,
      })
      return settleFailureFromVerify(verdict.response, runtime.network)
    }
    return new Promise((deliver) =>
      this.enqueue({ id: claim.payment.id, verified: verdict.verified, deliver }),
    )
  }

  /** Hands a verified payment to the batcher (payments recovered after a crash come this way too). */
  enqueue(item: QueuedPayment): void {
    if (batchable(item.verified) || this.#options.runtime.multicall3 === undefined)
      this.#batcher.add(item)
    else void this.#submit([item])
  }

  /** Signs, stores and broadcasts one transaction for `items`, then waits for its outcome. */
  async #submit(items: QueuedPayment[], attempt = 0): Promise<void> {
    const { runtime, lanes, timings } = this.#options
    const ids = items.map((item) => item.id)
    let submitted: Awaited<ReturnType<SignerLanes['submit']>>
    try {
      const call = buildSettlementCall(
        runtime,
        items.map((item) => item.verified),
        timings.transferGasLimit,
      )
      submitted = await lanes.submit({ ...call, paymentIds: ids })
    } catch (error) {
      // Nothing was stored or broadcast: the payments are free to be settled again later.
      await this.#fail(items, 'SETTLE_UNEXPECTED', `could not submit: ${describeError(error)}`)
      return
    }
    this.batchSizes.push(items.length)
    const { transaction, result } = submitted
    if (result === 'refused' || result === 'stale-nonce') {
      await this.#options.ledger.markTransaction(transaction.hash, { state: 'dropped' })
      // A refused transaction leaves its nonce unused; a filler takes it so later ones can land.
      if (result === 'refused')
        await lanes.fill(transaction).catch(logFailure(this.#options.logger, 'filling a nonce'))
      if (attempt < 2) {
        await this.#options.ledger.transition(ids, 'verified', {}, ['submitted'])
        return this.#submit(items, attempt + 1)
      }
      await this.#fail(items, 'SETTLE_UNEXPECTED', `the node refused the settlement (${result})`)
      return
    }
    // The receipt is awaited outside the batch's turn, so the next batch can be signed meanwhile.
    const logged = logFailure(this.#options.logger, 'receipt wait', { tx: transaction.hash })
    void this.#confirm(transaction, items, timings.receiptTimeoutMs).catch(logged)
  }

  /** Waits (bounded) for a transaction and records what it did to each payment. */
  async #confirm(
    transaction: LedgerTransaction,
    items: QueuedPayment[],
    timeoutMs: number,
  ): Promise<void> {
    this.confirming.add(transaction.hash)
    try {
      const receipt = await waitForReceipt(
        this.#options.runtime,
        transaction.hash as Hex,
        timeoutMs,
        this.#options.timings.receiptPollMs,
      )
      if (receipt) {
        this.#options.onStep?.('after-receipt')
        await this.applyReceipt(transaction, receipt, items)
        return
      }
      const ids = items.map((item) => item.id)
      await this.#options.ledger.transition(
        ids,
        'pending',
        { reason: reasonOf('SETTLEMENT_PENDING'), transaction: transaction.hash },
        ['submitted'],
      )
      for (const item of items) {
        item.deliver?.(
          settleFailure('SETTLEMENT_PENDING', {
            network: this.#options.runtime.network,
            payer: item.verified.payer,
            transaction: transaction.hash,
            message: `not confirmed within ${timeoutMs} ms; settle again to keep waiting on ${transaction.hash}`,
          }),
        )
      }
    } finally {
      this.confirming.delete(transaction.hash)
    }
  }

  /** Records a receipt: each payment is confirmed, confirmed by someone else's transaction, or failed. */
  async applyReceipt(
    transaction: LedgerTransaction,
    receipt: TransactionReceipt,
    items: QueuedPayment[],
  ): Promise<void> {
    const { ledger } = this.#options
    const settled = settledByReceipt(
      receipt,
      items.map((item) => ({
        id: item.id,
        asset: item.verified.asset,
        authorization: item.verified.authorization,
      })),
    )
    const confirmed = items.filter((item) => settled.has(item.id))
    await ledger.transition(
      confirmed.map((item) => item.id),
      'confirmed',
      { transaction: transaction.hash },
      ['submitted', 'pending', 'verified'],
    )
    if (confirmed.some((item) => item.deliver)) this.#options.onStep?.('before-respond')
    for (const item of confirmed) item.deliver?.(this.#success(item.verified, transaction.hash))
    for (const item of items.filter((candidate) => !settled.has(candidate.id))) {
      const outcome = await resolveUnsettled(
        { runtime: this.#options.runtime, ledger: this.#options.ledger },
        item,
        transaction.hash,
        receipt.blockNumber,
      )
      item.deliver?.(outcome)
    }
    // Last: until then recovery reads this receipt again, and the writes above are idempotent.
    this.#options.onStep?.('between-receipt-writes')
    const { gasUsed, blockNumber } = receipt
    const state = receipt.status === 'success' ? 'mined' : 'reverted'
    await ledger.markTransaction(transaction.hash, { state, gasUsed, blockNumber })
  }

  /** Waits (bounded) for a stored transaction's receipt and applies it to all its payments. */
  async #confirmStored(hash: string, timeoutMs: number): Promise<void> {
    const { runtime, ledger, timings } = this.#options
    const receipt = await waitForReceipt(
      runtime,
      hash as Hex,
      Math.max(0, timeoutMs),
      timings.receiptPollMs,
    )
    if (!receipt) return
    const [transaction] = (await ledger.openTransactions(runtime.network)).filter(
      (open) => open.hash === hash,
    )
    if (!transaction) return
    await this.applyReceipt(transaction, receipt, queuedFromLedger(await ledger.paymentsOf(hash)))
  }

  /**
   * The outcome of a payment someone else processes (another process, or an earlier run), for the
   * same signed payload with the same requirements only.
   */
  async #awaitExisting(
    payment: LedgerPayment,
    payloadHash: string,
    requirements: PaymentRequirements,
  ): Promise<SettleResponse> {
    if (payment.payloadHash !== payloadHash) return this.#duplicate(payment.payer)
    // Passing `checkBinding` makes them equal; a record written before that check existed may
    // name other requirements, and its outcome is not this request's.
    if (settledFor(payment) !== settledFor(requirements)) return this.#duplicate(payment.payer)
    const deadline = Date.now() + this.#options.timings.receiptTimeoutMs
    let current: LedgerPayment | undefined = payment
    while (current && !terminalPaymentStates.includes(current.state) && Date.now() < deadline) {
      if (current.transaction && !this.confirming.has(current.transaction)) {
        // Broadcast already: its receipt decides, whoever is watching it.
        await this.#confirmStored(current.transaction, deadline - Date.now())
      } else {
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
      current = await this.#options.ledger.findByKey(payment.key)
    }
    return current
      ? this.outcomeOf(current)
      : this.#failure('SETTLE_UNEXPECTED', 'the payment record vanished', payment.payer)
  }

  /** What a caller is told about a payment, from its record. */
  outcomeOf(payment: LedgerPayment): SettleResponse {
    return outcomeOfRecord(this.#options.runtime.network, payment)
  }

  async #fail(items: QueuedPayment[], code: ErrorCode, message: string): Promise<void> {
    await this.#options.ledger.transition(
      items.map((item) => item.id),
      'failed',
      { reason: reasonOf(code), message },
      ['received', 'verified', 'submitted'],
    )
    for (const item of items) item.deliver?.(this.#failure(code, message, item.verified.payer))
  }

  #success(verified: VerifiedPayment, transaction: string): SettleResponse {
    return {
      success: true,
      transaction,
      network: this.#options.runtime.network,
      payer: verified.payer,
      amount: verified.authorization.value,
    }
  }

  #failure(code: ErrorCode, message: string, payer: string): SettleResponse {
    return settleFailure(code, { network: this.#options.runtime.network, payer, message })
  }

  #duplicate(payer: string): SettleResponse {
    return this.#failure(
      'SETTLEMENT_DUPLICATE',
      'this authorization is being or was settled as another payment',
      payer,
    )
  }

  async drain(): Promise<void> {
    await this.#batcher.drain()
  }
}

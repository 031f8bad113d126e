import {
  type ErrorCode,
  type LedgerTransaction,
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
  type SettlementLedger,
  type SettleResponse,
  settleFailure,
  settleFailureFromVerify,
} from '@tollgate/core'
import type { Hex, TransactionReceipt } from 'viem'
import type { Authorization } from '../exact/eip3009/payload.ts'
import { applyReceipt } from './applyReceipt.ts'
import { batchable, buildSettlementCall } from './batchCall.ts'
import { Batcher } from './batcher.ts'
import { ClaimBatcher } from './claimBatcher.ts'
import { awaitExisting } from './existingPayment.ts'
import { type EvmFacilitatorLogger, logFailure } from './failureLog.ts'
import type { FinalityWatch } from './finality.ts'
import type { SettlementStep } from './options.ts'
import { readPaymentIdentifier } from './paymentIdentifier.ts'
import { payloadHashOf, paymentKey, settledFor } from './paymentIdentity.ts'
import type { QueuedPayment } from './queuedPayments.ts'
import type { RecentVerifications } from './recentVerifications.ts'
import { describeError } from './rpcErrors.ts'
import type { NetworkRuntime } from './runtime.ts'
import { type SettleTimings, waitForReceipt } from './settle.ts'
import type { SignerLanes } from './signerLanes.ts'
import { checkBinding, verifyExactEvm } from './verify.ts'

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
  watch: FinalityWatch
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
      onFlushError: logFailure(options.logger, 'a settlement batch', {
        network: options.runtime.network,
      }),
      sleep: options.runtime.clock.sleep,
    })
    this.#claims = new ClaimBatcher(options.ledger, options.owner, options.leaseMs, options.logger)
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
    const key = paymentKey(runtime.network, requirements.asset, authorization, bound.permit2)
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
    // The chain is asked while the ledger records the claim: neither waits for the other, and
    // the verdict is only used by the caller that claimed the payment.
    const verifying = verifyExactEvm(runtime, input.payload, input.requirements, {
      nowSeconds: this.#options.now(),
      simulate: true,
      settling: true,
      verifiedBefore: this.#options.recent.take(
        input.requirements,
        input.authorization,
        input.signature,
      ),
    })
    verifying.catch(() => undefined)
    const claim = await this.#claims.claim({
      key: input.key,
      payloadHash: input.payloadHash,
      network: runtime.network,
      scheme: input.requirements.scheme,
      payer: input.authorization.from.toLowerCase(),
      payTo: input.requirements.payTo.toLowerCase(),
      asset: input.requirements.asset.toLowerCase(),
      amount: input.requirements.amount,
      paymentIdentifier: input.identifier,
      payment: { paymentPayload: input.payload, paymentRequirements: input.requirements },
    })
    if (claim.status === 'existing') {
      const context = { ...this.#options, confirming: this.confirming }
      return awaitExisting(context, claim.payment, input.payloadHash, input.requirements)
    }
    let verdict: Awaited<ReturnType<typeof verifyExactEvm>>
    try {
      verdict = await verifying
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
    if (
      input.requirements.scheme === 'upto' &&
      BigInt(verdict.verified.authorization.value) === 0n
    ) {
      // An `upto` charge of nothing: nothing moves and no transaction is sent (as the reference
      // does); the record closes the payment, so a retry gets this answer, not a charge.
      await ledger.transition([claim.payment.id], 'confirmed')
      return {
        success: true,
        transaction: '',
        network: runtime.network,
        payer: verdict.verified.payer,
        amount: '0',
      }
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
    const { transaction, result, receipt } = submitted
    if (result === 'unfunded') {
      this.#unfunded(transaction, items)
      return
    }
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
    void this.#confirm(transaction, items, timings.receiptTimeoutMs, receipt).catch(logged)
  }

  /** Waits (bounded) for a transaction and records what it did to each payment. */
  async #confirm(
    transaction: LedgerTransaction,
    items: QueuedPayment[],
    timeoutMs: number,
    receipt: TransactionReceipt | undefined,
  ): Promise<void> {
    this.confirming.add(transaction.hash)
    try {
      await this.#awaitOutcome(transaction, items, timeoutMs, receipt)
    } catch (error) {
      // The transaction exists but its outcome could not be recorded (the ledger is out of
      // reach): the caller asks again, and recovery or that retry records the receipt.
      for (const item of items) {
        item.deliver?.(
          settleFailure('SETTLEMENT_PENDING', {
            network: this.#options.runtime.network,
            payer: item.verified.payer,
            transaction: transaction.hash,
            message: `the outcome of ${transaction.hash} could not be recorded yet; settle again`,
          }),
        )
      }
      throw error
    } finally {
      this.confirming.delete(transaction.hash)
    }
  }

  /**
   * Waits (bounded) for the receipt, unless the send brought it, and records it, or records the
   * payments pending.
   */
  async #awaitOutcome(
    transaction: LedgerTransaction,
    items: QueuedPayment[],
    timeoutMs: number,
    sent: TransactionReceipt | undefined,
  ): Promise<void> {
    const receipt =
      sent ??
      (await waitForReceipt(
        this.#options.runtime,
        transaction.hash as Hex,
        timeoutMs,
        this.#options.timings.receiptPollMs,
      ))
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
  }

  /** Records a receipt for `items` (recovery applies the receipts it finds this way too). */
  applyReceipt(
    transaction: LedgerTransaction,
    receipt: TransactionReceipt,
    items: QueuedPayment[],
  ): Promise<void> {
    return applyReceipt(this.#options, transaction, receipt, items)
  }

  /**
   * The signer cannot pay gas: the signed transaction stays stored (recovery sends it again each
   * pass, and it lands once the signer is funded), its payments stay submitted, and callers are
   * told to retry, never that the payment failed.
   */
  #unfunded(transaction: LedgerTransaction, items: QueuedPayment[]): void {
    const message = `the fee payer ${transaction.signer} cannot pay gas; the payment settles once it is funded (${transaction.hash})`
    for (const item of items) {
      item.deliver?.(
        settleFailure('FACILITATOR_SIGNER_UNFUNDED', {
          network: this.#options.runtime.network,
          payer: item.verified.payer,
          transaction: transaction.hash,
          message,
        }),
      )
    }
  }

  async #fail(items: QueuedPayment[], code: ErrorCode, message: string): Promise<void> {
    try {
      await this.#options.ledger.transition(
        items.map((item) => item.id),
        'failed',
        { reason: reasonOf(code), message },
        ['received', 'verified', 'submitted'],
      )
    } finally {
      // Answered even when the ledger cannot record it: a caller never waits forever.
      for (const item of items) item.deliver?.(this.#failure(code, message, item.verified.payer))
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

import {
  assertIsTransactionWithinSizeLimit,
  getBase64EncodedWireTransaction,
  getBase64Encoder,
  getSignatureFromTransaction,
  getTransactionDecoder,
  getTransactionLifetimeConstraintFromCompiledTransactionMessage,
  type TransactionPartialSigner,
  blockhash as toBlockhash,
  signature as toSignature,
} from '@solana/kit'
import {
  assert,
  type MessagePaymentDetails,
  type MessageSettlementRecord,
  type MessageSettlementRecords,
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
  type SettleResponse,
  settleFailure,
  settleFailureFromVerify,
  TollgateError,
  withFinality,
} from '@tollgate/core'
import type { SvmFacilitatorRpc } from '../rpc.ts'
import { finalityAt } from './finality.ts'

import {
  describeError,
  type SvmVerifyContext,
  simulateExactSvm,
  type VerifiedSvmPayment,
  verifyExactSvmStatic,
} from './verify.ts'
import {
  broadcast,
  type LandedStatus,
  lookUpStatus,
  type SvmCommitment,
  type WatchTimings,
  watchTransaction,
} from './watch.ts'

export interface SettleContext {
  rpc: SvmFacilitatorRpc
  verify: SvmVerifyContext
  feePayers: ReadonlyMap<string, TransactionPartialSigner>
  records: MessageSettlementRecords
  owner: string
  leaseMs: number
  /** The commitment level at which a network's settlement is final. */
  finality: (network: string) => SvmCommitment
  timings: WatchTimings
  /** Settlements running in this process, by message hash: concurrent calls share one. */
  running: Map<string, Promise<SettleResponse>>
}

/**
 * Settles an exact SVM payment at most once. The payment is the compiled message (its hash is
 * the key), so a re-encoded or re-signed copy gets the same answer and never a second
 * transaction. The checks without RPC run on every call; simulation, signing and broadcast only
 * for the call that claims the payment.
 */
export async function settleExactSvm(
  context: SettleContext,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
): Promise<SettleResponse> {
  const verdict = await verifyExactSvmStatic(context.verify, payload, requirements)
  if (!verdict.verified) return settleFailureFromVerify(verdict.response, requirements.network)
  const hash = await messageHash(verdict.verified)
  const running = context.running.get(hash)
  if (running) return running
  const payment = paymentDetails(verdict.verified, payload, requirements)
  const settling = settleClaimed(context, verdict.verified, hash, payment).finally(() =>
    context.running.delete(hash),
  )
  context.running.set(hash, settling)
  return settling
}

/** The payment as the records keep it for the ledger: verify has checked every field. */
function paymentDetails(
  verified: VerifiedSvmPayment,
  payload: PaymentPayload,
  requirements: PaymentRequirements,
): MessagePaymentDetails {
  return {
    scheme: requirements.scheme,
    payer: verified.payer,
    payTo: requirements.payTo,
    asset: requirements.asset,
    amount: requirements.amount,
    payment: { paymentPayload: payload, paymentRequirements: requirements },
  }
}

async function settleClaimed(
  context: SettleContext,
  verified: VerifiedSvmPayment,
  hash: string,
  payment: MessagePaymentDetails,
): Promise<SettleResponse> {
  const network = payment.payment.paymentRequirements.network
  const claim = await context.records.claim(hash, {
    network,
    owner: context.owner,
    leaseMs: context.leaseMs,
    payment,
  })
  if (claim.status === 'existing') return resume(context, claim.record, network)
  let submitted: MessageSettlementRecord
  let signed: Awaited<ReturnType<typeof signAsFeePayer>>
  try {
    const simulated = await simulateExactSvm(context.rpc, verified.decoded)
    if (simulated) {
      const { code, message } = simulated
      // A fee payer that cannot pay is the facilitator's problem: the payment stays open.
      const retryable = code === 'SVM_FEE_PAYER_UNFUNDED'
      await context.records.release(hash, context.owner, {
        reason: reasonOf(code),
        message,
        retryable,
      })
      return settleFailure(code, { network, message, payer: verified.payer })
    }
    signed = await signAsFeePayer(context, verified)
    const submission = { ...signed, payer: verified.payer }
    await context.records.submit(hash, submission)
    submitted = { ...claim.record, ...submission, state: 'submitted' }
  } catch (cause) {
    const message = 'the transaction could not be submitted'
    await context.records
      .release(hash, context.owner, { reason: reasonOf('SETTLE_UNEXPECTED'), message })
      .catch(() => undefined)
    throw new TollgateError('SETTLE_UNEXPECTED', message, { cause })
  }
  await broadcast(context.rpc, signed.raw)
  return watchAndFinish(context, submitted, network, false)
}

/** Another call claimed this payment before: its record says how to answer. */
async function resume(
  context: SettleContext,
  record: MessageSettlementRecord,
  network: string,
): Promise<SettleResponse> {
  if (record.state === 'finished' && record.outcome) return record.outcome
  if (record.state === 'included') return followIncluded(context, record, network)
  if (record.state === 'submitted') return watchAndFinish(context, record, network, true)
  return settleFailure('SETTLEMENT_PENDING', {
    network,
    message: 'another settlement of this payment is being submitted',
  })
}

/**
 * A transaction seen in a block below the network's finality: asked again, it is confirmed once
 * final; one the cluster no longer knows was in an abandoned block, so the payment goes back to
 * submitted and the same signed transaction is sent again while its blockhash is valid.
 */
async function followIncluded(
  context: SettleContext,
  record: MessageSettlementRecord,
  network: string,
): Promise<SettleResponse> {
  const { transaction, outcome } = record
  assert(transaction && outcome, 'an included record holds its transaction and answer')
  const status = await lookUpStatus(context.rpc, toSignature(transaction), true)
  // The cluster could not be asked: the last answer still stands.
  if (status === undefined) return outcome
  if (status === null) {
    await context.records.revert(record.messageHash)
    return watchAndFinish(context, { ...record, state: 'submitted' }, network, true)
  }
  if (status.err) {
    return finishFailed(context, record, network, 'SVM_EXACT_TRANSACTION_FAILED', status.err)
  }
  return answerLanded(context, record, network, status)
}

async function watchAndFinish(
  context: SettleContext,
  record: MessageSettlementRecord,
  network: string,
  broadcastNow: boolean,
): Promise<SettleResponse> {
  const { transaction, raw, blockhash, payer } = record
  assert(transaction && raw && blockhash, 'a submitted record holds its signed transaction')
  const watched = {
    signature: toSignature(transaction),
    // Decoded and encoded again: the stored text becomes the wire type without a cast.
    raw: getBase64EncodedWireTransaction(
      getTransactionDecoder().decode(getBase64Encoder().encode(raw)),
    ),
    blockhash: toBlockhash(blockhash),
  }
  const outcome = await watchTransaction(context.rpc, watched, context.timings, { broadcastNow })
  if (outcome.kind === 'landed') return answerLanded(context, record, network, outcome.status)
  if (outcome.kind === 'pending') {
    // Still live: the ledger shows it pending; a later settle resumes the watch.
    await context.records.pending(record.messageHash, outcome.message)
    return settleFailure('SETTLEMENT_PENDING', {
      network,
      transaction,
      payer,
      message: outcome.message,
    })
  }
  return outcome.kind === 'failed'
    ? finishFailed(context, record, network, 'SVM_EXACT_TRANSACTION_FAILED', outcome.message)
    : finishFailed(context, record, network, 'SVM_EXACT_BLOCK_HEIGHT_EXCEEDED')
}

/** Success, `included` below the network's finality (kept so), `confirmed` at it (final). */
async function answerLanded(
  context: SettleContext,
  record: MessageSettlementRecord,
  network: string,
  status: LandedStatus,
): Promise<SettleResponse> {
  const { transaction, payer } = record
  assert(transaction, 'a landed record holds its transaction')
  const finality = finalityAt(status, context.finality(network))
  const answer = withFinality(
    { success: true, transaction, network, ...(payer ? { payer } : {}) },
    finality,
  )
  if (finality.state === 'confirmed') await context.records.finish(record.messageHash, answer)
  else if (record.state !== 'included') await context.records.include(record.messageHash, answer)
  return answer
}

async function finishFailed(
  context: SettleContext,
  record: MessageSettlementRecord,
  network: string,
  code: 'SVM_EXACT_TRANSACTION_FAILED' | 'SVM_EXACT_BLOCK_HEIGHT_EXCEEDED',
  error?: unknown,
): Promise<SettleResponse> {
  const message =
    code === 'SVM_EXACT_BLOCK_HEIGHT_EXCEEDED'
      ? 'the blockhash expired before the transaction landed'
      : typeof error === 'string'
        ? error
        : describeError(error)
  const answer = settleFailure(code, {
    network,
    transaction: record.transaction,
    payer: record.payer,
    message,
  })
  await context.records.finish(record.messageHash, answer)
  return answer
}

/** Adds the fee payer's signature. Ed25519 is deterministic: the same message, the same id. */
async function signAsFeePayer(context: SettleContext, verified: VerifiedSvmPayment) {
  const signer = context.feePayers.get(verified.feePayer)
  assert(signer, `verify accepts only managed fee payers (${verified.feePayer})`)
  const { transaction, message, blockhash } = verified.decoded
  const lifetimeConstraint =
    await getTransactionLifetimeConstraintFromCompiledTransactionMessage(message)
  const unsigned = { ...transaction, lifetimeConstraint }
  assertIsTransactionWithinSizeLimit(unsigned)
  const [signatures] = await signer.signTransactions([unsigned])
  const signed = { ...transaction, signatures: { ...transaction.signatures, ...signatures } }
  return {
    transaction: getSignatureFromTransaction(signed),
    raw: getBase64EncodedWireTransaction(signed),
    blockhash,
  }
}

/** SHA-256 of the compiled message bytes, hex: the identity of a payment. */
export async function messageHash(verified: VerifiedSvmPayment): Promise<string> {
  const bytes = Uint8Array.from(verified.decoded.transaction.messageBytes)
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('')
}

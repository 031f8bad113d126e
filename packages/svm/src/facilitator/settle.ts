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
  type PaymentPayload,
  type PaymentRequirements,
  reasonOf,
  type SettleResponse,
  type SvmPaymentDetails,
  type SvmSettlementRecord,
  type SvmSettlementRecords,
  settleFailure,
  settleFailureFromVerify,
  TollgateError,
} from '@tollgate/core'
import type { SvmFacilitatorRpc } from '../rpc.ts'

import {
  type SvmVerifyContext,
  simulateExactSvm,
  type VerifiedSvmPayment,
  verifyExactSvmStatic,
} from './verify.ts'
import { broadcast, type WatchTimings, watchTransaction } from './watch.ts'

export interface SettleContext {
  rpc: SvmFacilitatorRpc
  verify: SvmVerifyContext
  feePayers: ReadonlyMap<string, TransactionPartialSigner>
  records: SvmSettlementRecords
  owner: string
  leaseMs: number
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
): SvmPaymentDetails {
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
  payment: SvmPaymentDetails,
): Promise<SettleResponse> {
  const network = payment.payment.paymentRequirements.network
  const claim = await context.records.claim(hash, {
    network,
    owner: context.owner,
    leaseMs: context.leaseMs,
    payment,
  })
  if (claim.status === 'existing') return resume(context, claim.record, network)
  let submitted: SvmSettlementRecord
  let signed: Awaited<ReturnType<typeof signAsFeePayer>>
  try {
    const simulated = await simulateExactSvm(context.rpc, verified.decoded)
    if (simulated) {
      const { code, message } = simulated
      await context.records.release(hash, context.owner, { reason: reasonOf(code), message })
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
  record: SvmSettlementRecord,
  network: string,
): Promise<SettleResponse> {
  if (record.state === 'finished' && record.outcome) return record.outcome
  if (record.state === 'submitted') return watchAndFinish(context, record, network, true)
  return settleFailure('SETTLEMENT_PENDING', {
    network,
    message: 'another settlement of this payment is being submitted',
  })
}

async function watchAndFinish(
  context: SettleContext,
  record: SvmSettlementRecord,
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
  if (outcome.kind === 'pending') {
    return settleFailure('SETTLEMENT_PENDING', {
      network,
      transaction,
      payer,
      message: outcome.message,
    })
  }
  const answer: SettleResponse =
    outcome.kind === 'confirmed'
      ? { success: true, transaction, network, ...(payer ? { payer } : {}) }
      : outcome.kind === 'failed'
        ? settleFailure('SVM_EXACT_TRANSACTION_FAILED', {
            network,
            transaction,
            payer,
            message: outcome.message,
          })
        : settleFailure('SVM_EXACT_BLOCK_HEIGHT_EXCEEDED', {
            network,
            transaction,
            payer,
            message: 'the blockhash expired before the transaction landed',
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

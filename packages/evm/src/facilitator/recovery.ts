import {
  type LedgerPayment,
  type LedgerTransaction,
  parsePaymentRequirements,
  reasonOf,
  type SettlementLedger,
} from '@tollgate/core'
import type { Address, Hex } from 'viem'
import { type EvmFacilitatorLogger, logFailure } from './failureLog.ts'
import { type QueuedPayment, queuedFromLedger } from './queuedPayments.ts'
import { receiptOf } from './receipts.ts'
import type { NetworkRuntime } from './runtime.ts'
import type { SettlementEngine } from './settlementEngine.ts'
import type { SignerLanes } from './signerLanes.ts'
import { authorizationUse, nonceUsedCode } from './transferMethod.ts'
import { verifyExactEvm } from './verify.ts'

export interface RecoveryContext {
  runtime: NetworkRuntime
  ledger: SettlementLedger
  lanes: SignerLanes
  engine: SettlementEngine
  owner: string
  leaseMs: number
  /** A broadcast transaction not mined after this long is replaced with a higher fee. */
  stuckAfterMs: number
  now: () => number
  logger: EvmFacilitatorLogger
  /** When a transaction was last sent again after a reorganisation: its stuck clock restarts. */
  resentAtMs?: ((hash: string) => number | undefined) | undefined
}

/**
 * One pass of the facilitator's watch over what it has not finished: it renews its leases, takes
 * over payments of processes that stopped (or, at start-up with an embedded ledger, of the
 * previous run), queues again what was never broadcast, and drives every open transaction to an
 * end: its receipt, a rebroadcast of the same signed bytes, or a fee-bumped replacement. Returns
 * how many payments and transactions it found to drive: none means nothing is left open.
 */
export async function recoveryPass(context: RecoveryContext, startingUp: boolean): Promise<number> {
  const { ledger, owner, leaseMs } = context
  await ledger.renewLeases(owner, leaseMs)
  const taken = await ledger.takeOverExpired(
    owner,
    leaseMs,
    500,
    startingUp && ledger.exclusive,
    context.runtime.network,
  )
  for (const payment of taken) {
    if (payment.state === 'received' || payment.state === 'verified')
      await requeue(context, payment)
  }
  const open = await ledger.openTransactions(context.runtime.network, owner)
  const groups = new Map<string, LedgerTransaction[]>()
  for (const transaction of open) {
    const key = `${transaction.signer}|${transaction.nonce}`
    groups.set(key, [...(groups.get(key) ?? []), transaction])
  }
  const chainNonces = new Map<string, number>()
  let failure: unknown
  for (const group of groups.values()) {
    if (group.some((transaction) => context.engine.confirming.has(transaction.hash))) continue
    await driveNonce(context, group, chainNonces).catch((error: unknown) => {
      failure ??= error
    })
  }
  // A transaction the RPC cannot read holds up no other; the pass reports the failure.
  if (failure !== undefined) throw failure
  return taken.length + open.length
}

/** All stored transactions for one signer nonce: at most one of them can be mined. */
async function driveNonce(
  context: RecoveryContext,
  group: LedgerTransaction[],
  chainNonces: Map<string, number>,
) {
  const { runtime, ledger, lanes } = context
  if (await applyMinedOf(context, group)) return
  const newest = group[group.length - 1]!
  const signer = newest.signer as Address
  if (!chainNonces.has(signer)) {
    chainNonces.set(
      signer,
      await runtime.client.getTransactionCount({ address: signer, blockTag: 'latest' }),
    )
  }
  if (chainNonces.get(signer)! > newest.nonce) {
    // Read again after the nonce: one mined in between is found, not taken for someone else's.
    if (await applyMinedOf(context, group)) return
    // The nonce was used by a transaction not in the ledger: none of these can land any more.
    for (const transaction of group)
      await ledger.markTransaction(transaction.hash, { state: 'dropped' })
    for (const payment of await ledger.paymentsOf(newest.hash))
      await settleElsewhereOrRequeue(context, payment)
    return
  }
  if (newest.state === 'signed') {
    const result = await lanes.rebroadcast(newest)
    // Refused now usually means underpriced for the current base fee: replace it at once. A
    // signer without gas money waits to be funded: a replacement would be refused the same way.
    if (result === 'accepted' || result === 'unknown' || result === 'unfunded') return
    await lanes.replace(newest).catch(replaceFailed(context, newest))
    return
  }
  const sentAtMs = Math.max(newest.createdAt.getTime(), context.resentAtMs?.(newest.hash) ?? 0)
  if (runtime.clock.nowMs() - sentAtMs <= context.stuckAfterMs) return
  // Stuck: replace it with a higher fee; at the fee cap (or when replacing fails), send the same
  // bytes again instead, since a node may have dropped it from its pool while it was underpriced.
  const replaced = await lanes.replace(newest).catch(replaceFailed(context, newest))
  if (!replaced) await lanes.rebroadcast(newest)
}

/** Replacing fails on a fee read or a ledger write; the next pass tries again. */
function replaceFailed(context: RecoveryContext, transaction: LedgerTransaction) {
  return logFailure(context.logger, 'replacing a stuck transaction', {
    network: context.runtime.network,
    tx: transaction.hash,
    nonce: transaction.nonce,
  })
}

/**
 * Applies the receipt of whichever of one nonce's transactions was mined, the others dropped;
 * false when none was. A receipt the RPC fails to return throws: that proves nothing, and taking
 * a mined transaction for a lost one would strand its payments off the finality watch.
 */
async function applyMinedOf(
  context: RecoveryContext,
  group: LedgerTransaction[],
): Promise<boolean> {
  const { runtime, ledger } = context
  for (const transaction of group) {
    const receipt = await receiptOf(runtime.client, transaction.hash as Hex)
    if (!receipt) continue
    for (const other of group)
      if (other !== transaction) await ledger.markTransaction(other.hash, { state: 'dropped' })
    await context.engine.applyReceipt(
      transaction,
      receipt,
      queuedFromLedger(await ledger.paymentsOf(transaction.hash)),
    )
    return true
  }
  return false
}

/** A payment whose transaction can no longer land: settled by someone else, or queued again. */
async function settleElsewhereOrRequeue(
  context: RecoveryContext,
  payment: LedgerPayment,
): Promise<void> {
  if (payment.state === 'confirmed' || payment.state === 'included' || payment.state === 'failed')
    return
  const [item] = queuedFromLedger([payment])
  if (!item) return
  if (await recordUse(context, payment, item)) return
  await context.ledger.transition([payment.id], 'verified', {}, ['submitted', 'pending'])
  await requeue(context, { ...payment, state: 'verified' })
}

/** Records who used an authorization, if anyone did; false when it is still unused. */
async function recordUse(
  context: RecoveryContext,
  payment: LedgerPayment,
  item: QueuedPayment,
): Promise<boolean> {
  const use = await authorizationUse(context.runtime, item.verified, 0n)
  if (!use.used) return false
  await context.ledger.transition(
    [payment.id],
    use.transaction ? 'confirmed' : 'failed',
    use.transaction
      ? { transaction: use.transaction }
      : { reason: reasonOf(nonceUsedCode(item.verified)) },
  )
  return true
}

/** A payment that was never broadcast by anyone: verify it again and queue it. */
async function requeue(context: RecoveryContext, payment: LedgerPayment): Promise<void> {
  const { paymentPayload, paymentRequirements } = payment.payment
  const requirements = parsePaymentRequirements(paymentRequirements, 2)
  // Stored requirements are the ones settle was called with: for `upto`, the charge.
  const verdict = await verifyExactEvm(context.runtime, paymentPayload, requirements, {
    nowSeconds: context.now(),
    simulate: true,
    settling: true,
  })
  if (verdict.verified) {
    await context.ledger.transition([payment.id], 'verified')
    context.engine.enqueue({ id: payment.id, verified: verdict.verified })
    return
  }
  const spent: string[] = [reasonOf('EVM_EXACT_NONCE_USED'), reasonOf('PERMIT2_NONCE_USED')]
  if (spent.includes(verdict.response.invalidReason ?? '')) {
    // Used although never broadcast by us: someone else submitted it (or the payer cancelled it).
    const [item] = queuedFromLedger([payment])
    if (item) await recordUse(context, payment, item)
    return
  }
  await context.ledger.transition([payment.id], 'failed', {
    reason: verdict.response.invalidReason,
    message: verdict.response.invalidMessage,
  })
}

import type { Base64EncodedWireTransaction, Blockhash, Signature } from '@solana/kit'
import type { SvmFacilitatorRpc } from '../rpc.ts'
import { describeError } from './verify.ts'

/** How settle waits for a transaction, each limit named with its unit. */
export interface WatchTimings {
  /** After this long not in a block, settle answers `settlement_pending` (resumed later). */
  confirmTimeoutMs: number
  pollIntervalMs: number
  /** While unconfirmed and its blockhash valid, the transaction is sent again this often. */
  rebroadcastIntervalMs: number
  now: () => number
  sleep: (ms: number) => Promise<void>
}

/** Solana's commitment levels, from the least to the most final. */
export type SvmCommitment = 'processed' | 'confirmed' | 'finalized'

/** A transaction the cluster knows: in a block, at `level`, with or without an error. */
export interface LandedStatus {
  err: unknown
  level: SvmCommitment
  /** Blocks on top of its block; null once finalized (the cluster stops counting). */
  confirmations: number | null
}

export type WatchOutcome =
  /** It is in a block without an error, at some commitment level. */
  | { kind: 'landed'; status: LandedStatus }
  /** It landed and failed: the fee was paid, nothing was transferred. */
  | { kind: 'failed'; message: string }
  /** Its blockhash expired and it never landed: it never can. */
  | { kind: 'expired' }
  /** Neither yet; the blockhash was valid at the last look (or the RPC could not say). */
  | { kind: 'pending'; message: string }

export interface WatchedTransaction {
  signature: Signature
  raw: Base64EncodedWireTransaction
  blockhash: Blockhash
}

/**
 * Waits for a broadcast transaction to land in a block. It is reported failed only when its
 * status carries an error, or when its blockhash has expired and it is still not found: before
 * that an unconfirmed transaction is alive, and is sent again now and then. RPC errors count as
 * "not known yet", never as a failure.
 */
export async function watchTransaction(
  rpc: SvmFacilitatorRpc,
  watched: WatchedTransaction,
  timings: WatchTimings,
  options: { broadcastNow: boolean },
): Promise<WatchOutcome> {
  const deadlineMs = timings.now() + timings.confirmTimeoutMs
  let broadcastAtMs = options.broadcastNow ? Number.NEGATIVE_INFINITY : timings.now()
  for (;;) {
    const status = await lookUpStatus(rpc, watched.signature, false)
    if (status) return outcomeOf(status)
    const valid = await rpc
      .isBlockhashValid(watched.blockhash, { commitment: 'confirmed' })
      .send()
      .then(({ value }) => value)
      .catch(() => undefined)
    if (valid === false) return finalLook(rpc, watched.signature)
    if (valid && timings.now() - broadcastAtMs >= timings.rebroadcastIntervalMs) {
      broadcastAtMs = timings.now()
      const answer = await broadcast(rpc, watched.raw)
      if (answer.alreadyProcessed) {
        // Only a status without an error makes a resend that "was already processed" a success.
        const known = await lookUpStatus(rpc, watched.signature, true)
        if (known) return outcomeOf(known)
      }
    }
    if (timings.now() >= deadlineMs)
      return { kind: 'pending', message: 'not yet seen by the cluster' }
    await timings.sleep(timings.pollIntervalMs)
  }
}

/** The blockhash expired: one last look, through the history too, before calling it lost. */
async function finalLook(rpc: SvmFacilitatorRpc, signature: Signature): Promise<WatchOutcome> {
  const status = await lookUpStatus(rpc, signature, true)
  if (status) return outcomeOf(status)
  // Only a cluster that answered "not found" makes it lost; one that could not answer, not yet.
  if (status === undefined) return { kind: 'pending', message: 'the cluster could not be asked' }
  return { kind: 'expired' }
}

function outcomeOf(status: LandedStatus): WatchOutcome {
  if (status.err) return { kind: 'failed', message: describeError(status.err) }
  return { kind: 'landed', status }
}

/**
 * The transaction's status: null when the cluster does not know it, undefined when the cluster
 * could not be asked.
 */
export async function lookUpStatus(
  rpc: SvmFacilitatorRpc,
  signature: Signature,
  searchTransactionHistory: boolean,
): Promise<LandedStatus | null | undefined> {
  const answer = await rpc
    .getSignatureStatuses([signature], { searchTransactionHistory })
    .send()
    .catch(() => undefined)
  if (!answer) return undefined
  const status = answer.value[0]
  if (!status) return null
  const confirmations = status.confirmations === null ? null : Number(status.confirmations)
  return { err: status.err, level: status.confirmationStatus ?? 'processed', confirmations }
}

/**
 * Sends the signed transaction. Preflight is skipped: it was just simulated, and a resend must
 * not be refused for a state it changed itself. A refusal is not an outcome; the status is.
 */
export async function broadcast(
  rpc: SvmFacilitatorRpc,
  raw: Base64EncodedWireTransaction,
): Promise<{ alreadyProcessed: boolean }> {
  try {
    await rpc.sendTransaction(raw, { encoding: 'base64', skipPreflight: true }).send()
    return { alreadyProcessed: false }
  } catch (error) {
    return { alreadyProcessed: /already (been )?processed/i.test(errorText(error)) }
  }
}

/** The messages of an error and its causes (kit puts the node's reason in a cause). */
function errorText(error: unknown): string {
  const parts: string[] = []
  let current: unknown = error
  for (let depth = 0; depth < 5 && current !== undefined; depth += 1) {
    if (!(current instanceof Error)) {
      parts.push(String(current))
      break
    }
    parts.push(current.message)
    if ('context' in current) parts.push(describeError(current.context))
    current = current.cause
  }
  return parts.join(' ')
}

import {
  type ErrorCode,
  type SettlementLedger,
  type SettleResponse,
  settleFailure,
} from '@tollgate/core'
import type { Address, Hex, TransactionReceipt } from 'viem'
import type { NetworkRuntime } from '../../facilitator/runtime.ts'
import { shortMessage } from '../../facilitator/signature.ts'
import type { SignerLanes } from '../../facilitator/signerLanes.ts'
import { batchSettlementAddresses } from '../constants.ts'

/** What the batch-settlement face shares with the rest of the EVM facilitator on one network. */
export interface BatchNetwork {
  runtime: NetworkRuntime
  lanes: SignerLanes
  /** Where the lanes store every transaction: channels are found again from it. */
  ledger: SettlementLedger
  receiptTimeoutMs: number
  receiptPollMs: number
}

export type Submitted =
  | { kind: 'mined'; receipt: TransactionReceipt }
  | { kind: 'failed'; response: SettleResponse & { success: false } }

/**
 * Sends one escrow call from the next signer: simulated first (a call that would revert costs no
 * gas and gets the reason), stored signed in the ledger before it is broadcast (so a crash
 * never loses a transaction that may land; recovery sends it again), then waited for. A
 * transaction not mined in time is reported pending with its hash, never failed.
 */
export async function submitEscrowCall(
  network: BatchNetwork,
  call: { data: Hex; kind: string; payer?: string | undefined },
  codes: { simulation: ErrorCode; transaction: ErrorCode },
): Promise<Submitted> {
  const { runtime, lanes } = network
  const to: Address = batchSettlementAddresses.escrow
  const where = { network: runtime.network, payer: call.payer }
  let gas: bigint
  try {
    gas = await runtime.client.estimateGas({ account: lanes.addresses[0]!, to, data: call.data })
  } catch (error) {
    return {
      kind: 'failed',
      response: settleFailure(codes.simulation, { ...where, message: shortMessage(error) }),
    }
  }
  const { transaction } = await lanes.submit({
    to,
    data: call.data,
    gas: (gas * 12n) / 10n + 10_000n,
    kind: call.kind,
    paymentIds: [],
  })
  const hash = transaction.hash as Hex
  try {
    const receipt = await runtime.client.waitForTransactionReceipt({
      hash,
      timeout: network.receiptTimeoutMs,
      pollingInterval: network.receiptPollMs,
    })
    if (receipt.status !== 'success')
      return {
        kind: 'failed',
        response: settleFailure(codes.transaction, {
          ...where,
          transaction: hash,
          message: 'the transaction reverted',
        }),
      }
    return { kind: 'mined', receipt }
  } catch {
    return {
      kind: 'failed',
      response: settleFailure('SETTLEMENT_PENDING', {
        ...where,
        transaction: hash,
        message: 'the transaction is not mined yet; settle the same payload again',
      }),
    }
  }
}
